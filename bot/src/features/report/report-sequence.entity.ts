import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The last reference number used per prefix and day (YH20261121 → 7), advanced by a guarded update. */
@Entity({ name: 'report_sequence' })
export class ReportSequence {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  prefix!: string;

  @Column({ name: 'last_value', type: 'integer', default: 0 })
  lastValue!: number;
}
