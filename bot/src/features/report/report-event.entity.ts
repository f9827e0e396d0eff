import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';

export type ReportEventType = 'submitted' | 'assigned' | 'note' | 'closed' | 'reopened' | 'reminded';

/** One line of a report's timeline. */
@Entity({ name: 'report_event' })
@Index('idx_report_event_report', ['reportId', 'at'])
export class ReportEvent {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'report_id', type: 'integer' })
  reportId!: number;

  @Column({ type: 'varchar', length: 12 })
  type!: ReportEventType;

  /** Staff number, or `system` for reminders. */
  @Column({ type: 'varchar', length: 64 })
  actor!: string;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  /** A note the reporter was sent (as opposed to an internal one). */
  @Column({ name: 'is_for_reporter', type: 'boolean', default: false })
  isForReporter!: boolean;

  @Column({ type: 'text', nullable: true, transformer: jsonTransformer })
  data!: object | null;

  @Column(datetimeColumn('at'))
  at!: Date;
}
