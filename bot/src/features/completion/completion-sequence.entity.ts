import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The last reference number used per day (BJ20261130 → 7), advanced by a guarded update. */
@Entity({ name: 'completion_sequence' })
export class CompletionSequence {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  prefix!: string;

  @Column({ name: 'last_value', type: 'integer', default: 0 })
  lastValue!: number;
}
