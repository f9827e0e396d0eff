import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';

export const REPORT_KINDS = ['hazard', 'lead'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
/** open (new, nobody on it) → assigned → closed; a closed report can be reopened (→ assigned or open). */
export type ReportStatus = 'open' | 'assigned' | 'closed';

export const HAZARD_RESOLUTIONS = ['fixed', 'forwarded', 'not-a-hazard'] as const;
export const LEAD_RESOLUTIONS = ['converted', 'in-progress', 'invalid'] as const;
export type Resolution = (typeof HAZARD_RESOLUTIONS)[number] | (typeof LEAD_RESOLUTIONS)[number];

/** A hazard (隐患) or a business lead (商机) reported from the field, driven to closure by the desk. */
@Entity({ name: 'report' })
@Index('idx_report_queue', ['kind', 'status', 'createdAt'])
export class Report {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** YH20261121-0007 / SJ20261121-0003 */
  @Index('uq_report_ref_no', { unique: true })
  @Column({ name: 'ref_no', type: 'varchar', length: 20 })
  refNo!: string;

  @Column({ type: 'varchar', length: 8 })
  kind!: ReportKind;

  @Column({ type: 'varchar', length: 12 })
  status!: ReportStatus;

  @Column({ type: 'varchar', length: 32 })
  category!: string;

  @Column({ type: 'text' })
  description!: string;

  /** Media keys of the photos, in the order they were sent. */
  @Column({ type: 'text', transformer: jsonTransformer })
  photos!: string[];

  @Column({ type: 'double', nullable: true })
  latitude!: number | null;

  @Column({ type: 'double', nullable: true })
  longitude!: number | null;

  /** A WeCom location label, or an address typed by the reporter. */
  @Column({ name: 'location_text', type: 'varchar', length: 255, nullable: true })
  locationText!: string | null;

  @Column({ name: 'reporter_id', type: 'integer' })
  reporterId!: number;

  /** The reporter's department (field area) when reported: the "area" of the queues and statistics. */
  @Column({ name: 'area_id', type: 'integer', nullable: true })
  areaId!: number | null;

  @Column({ name: 'assignee_staff_id', type: 'integer', nullable: true })
  assigneeStaffId!: number | null;

  @Column({ name: 'assignee_department_id', type: 'integer', nullable: true })
  assigneeDepartmentId!: number | null;

  @Column({ name: 'is_critical', type: 'boolean', default: false })
  isCritical!: boolean;

  @Column({ type: 'varchar', length: 16, nullable: true })
  resolution!: Resolution | null;

  @Column({ name: 'resolution_note', type: 'text', nullable: true })
  resolutionNote!: string | null;

  /** For a converted lead: the value won, in yuan. */
  @Column({ name: 'resolution_value', type: 'integer', nullable: true })
  resolutionValue!: number | null;

  /** 0 none, 1 the desk was reminded, 2 the manager too. */
  @Column({ name: 'reminder_level', type: 'integer', default: 0 })
  reminderLevel!: number;

  /** Optimistic concurrency: two people acting at once cannot both win. */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;

  /** Last time someone acted on it (the reminders' clock). */
  @Column(datetimeColumn('touched_at'))
  touchedAt!: Date;

  @Column(datetimeColumn('closed_at', { nullable: true }))
  closedAt!: Date | null;
}
