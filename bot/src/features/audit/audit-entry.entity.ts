import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';

/** One change made through the web or the CLI: who, what, which record, before/after, when, from where. */
@Entity({ name: 'audit_log' })
@Index('idx_audit_log_at', ['at'])
@Index('idx_audit_log_actor', ['actor'])
@Index('idx_audit_log_record', ['recordType', 'recordId'])
export class AuditEntry {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** Staff number, or `cli:<os user>` for command-line changes. */
  @Column({ type: 'varchar', length: 64 })
  actor!: string;

  /** What was done, e.g. `staff.update`, `duty.switch`, `outbox.retry`. */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'record_type', type: 'varchar', length: 32 })
  recordType!: string;

  @Column({ name: 'record_id', type: 'varchar', length: 64, nullable: true })
  recordId!: string | null;

  @Column({ type: 'text', nullable: true, transformer: jsonTransformer })
  before!: object | null;

  @Column({ type: 'text', nullable: true, transformer: jsonTransformer })
  after!: object | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column(datetimeColumn('at'))
  at!: Date;
}
