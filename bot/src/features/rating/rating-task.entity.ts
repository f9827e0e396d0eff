import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';

/** `pending` until rated; `rated` (editable for 24 h after `ratedAt`, then locked); `expired` if never rated. */
export type RatingTaskStatus = 'pending' | 'rated' | 'expired';
/** The role each side acted in on the ticket: the engineer (1), the desk (2), a back-end department (3). */
export type RatingSide = 1 | 2 | 3;

/**
 * One rating owed: `rater` rates `ratee` for what they did on one archived ticket (a Fieldline ticket or an
 * imported one). Unique per ticket, rater and ratee, so generating tasks is idempotent however often and
 * wherever it runs. The rating itself (stars, tags, comment) lives on the task.
 */
@Entity({ name: 'rating_task' })
@Index('uq_rating_task', ['ticketRef', 'raterStaffId', 'rateeStaffId'], { unique: true })
@Index('idx_rating_task_rater', ['raterStaffId', 'status'])
@Index('idx_rating_task_ratee', ['rateeStaffId', 'status', 'ratedAt'])
@Index('idx_rating_task_archived', ['ticketArchivedAt'])
@Index('idx_rating_task_ticket', ['ticketId'])
@Index('idx_rating_task_imported', ['importedTicketId'])
export class RatingTask {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** The ticket's reference: a Fieldline ticket's refNo, or an imported ticket's number (prefixed `ext:`). */
  @Column({ name: 'ticket_ref', type: 'varchar', length: 64 })
  ticketRef!: string;

  /** The Fieldline ticket, when it is one. */
  @Column({ name: 'ticket_id', type: 'integer', nullable: true })
  ticketId!: number | null;

  /** The imported ticket, when it is one. */
  @Column({ name: 'imported_ticket_id', type: 'integer', nullable: true })
  importedTicketId!: number | null;

  /** What the ticket was about, shown to the rater (the question, shortened). */
  @Column({ type: 'varchar', length: 255 })
  summary!: string;

  @Column({ name: 'rater_staff_id', type: 'integer' })
  raterStaffId!: number;

  @Column({ name: 'rater_side', type: 'integer' })
  raterSide!: RatingSide;

  @Column({ name: 'ratee_staff_id', type: 'integer' })
  rateeStaffId!: number;

  @Column({ name: 'ratee_side', type: 'integer' })
  rateeSide!: RatingSide;

  /** The ratee's department when the task was made (for per-department figures). */
  @Column({ name: 'ratee_department_id', type: 'integer', nullable: true })
  rateeDepartmentId!: number | null;

  @Column({ type: 'varchar', length: 8 })
  status!: RatingTaskStatus;

  /** 1–5; null until rated (there is no default). */
  @Column({ type: 'integer', nullable: true })
  stars!: number | null;

  @Column({ type: 'text', transformer: jsonTransformer })
  tags!: string[];

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  /** When the ticket was archived: the rating's period for the statistics. */
  @Column(datetimeColumn('ticket_archived_at'))
  ticketArchivedAt!: Date;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;

  @Column(datetimeColumn('expires_at'))
  expiresAt!: Date;

  @Column(datetimeColumn('rated_at', { nullable: true }))
  ratedAt!: Date | null;

  @Column(datetimeColumn('reminded_at', { nullable: true }))
  remindedAt!: Date | null;

  @Column({ type: 'integer', default: 1 })
  version!: number;
}
