import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The last reference number used per prefix and day (TW20261130 → 12), advanced by a guarded update. */
@Entity({ name: 'ticket_sequence' })
export class TicketSequence {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  prefix!: string;

  @Column({ name: 'last_value', type: 'integer', default: 0 })
  lastValue!: number;
}
