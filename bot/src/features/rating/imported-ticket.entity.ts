import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/**
 * A ticket handled outside Fieldline (e.g. a hotline ticket from the operator's dispatch system), imported
 * as archived so that it is rated the same way (`fieldline tickets:import`).
 */
@Entity({ name: 'imported_ticket' })
export class ImportedTicket {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index('uq_imported_ticket_no', { unique: true })
  @Column({ name: 'ticket_no', type: 'varchar', length: 60 })
  ticketNo!: string;

  /** `question` or `support`, as in Fieldline. */
  @Column({ type: 'varchar', length: 10 })
  kind!: string;

  @Column({ name: 'engineer_id', type: 'integer' })
  engineerId!: number;

  @Column({ name: 'tier2_id', type: 'integer', nullable: true })
  tier2Id!: number | null;

  @Column({ name: 'tier3_id', type: 'integer', nullable: true })
  tier3Id!: number | null;

  @Column({ type: 'varchar', length: 255 })
  summary!: string;

  @Column(datetimeColumn('archived_at'))
  archivedAt!: Date;

  @Column(datetimeColumn('imported_at'))
  importedAt!: Date;
}
