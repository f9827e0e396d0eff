import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';

export const TICKET_KINDS = ['question', 'support'] as const;
/** `question` (我要提问) or `support` (现场支撑: blocked on site, urgent by default). */
export type TicketKind = (typeof TICKET_KINDS)[number];
export type TicketPriority = 'urgent' | 'normal';

/**
 * - `new`: waiting for someone at its tier (tier 2 the desk, tier 3 the department) to claim it
 * - `claimed`: one person at its tier is on it
 * - `waiting`: the engineer was asked for more; the SLA clock is paused until they answer in WeCom
 * - `resolved`: done; archived after 24 h, or at once when the engineer confirms (已解决)
 * - `archived`: closed for good (and open for rating)
 * - `deflected`: the handbook answered it before it reached anyone (counted, never queued)
 */
export type TicketStatus = 'new' | 'claimed' | 'waiting' | 'resolved' | 'archived' | 'deflected';
export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'claimed', 'waiting'];

/** SLA alert bits: each alert fires once per due time (the bits reset when the due times move). */
export const SLA_ALERT = {
  firstResponseReminder: 1,
  firstResponseBreach: 2,
  resolutionReminder: 4,
  resolutionBreach: 8,
} as const;

/** A question or on-site support request from the field, served by tier 2 and, when escalated, tier 3. */
@Entity({ name: 'ticket' })
@Index('idx_ticket_queue', ['status', 'tier', 'createdAt'])
@Index('idx_ticket_reporter', ['reporterId', 'status'])
export class Ticket {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** TW20261130-0001 (question) / ZC20261130-0001 (support) */
  @Index('uq_ticket_ref_no', { unique: true })
  @Column({ name: 'ref_no', type: 'varchar', length: 20 })
  refNo!: string;

  @Column({ type: 'varchar', length: 10 })
  kind!: TicketKind;

  @Column({ type: 'varchar', length: 8 })
  priority!: TicketPriority;

  @Column({ type: 'varchar', length: 10 })
  status!: TicketStatus;

  /** 2: the control desk has it; 3: a back-end department has it. */
  @Column({ type: 'integer' })
  tier!: 2 | 3;

  /** The tier-3 department it was escalated to (kept after it comes back, for the statistics). */
  @Column({ name: 'department_id', type: 'integer', nullable: true })
  departmentId!: number | null;

  @Column({ name: 'assignee_staff_id', type: 'integer', nullable: true })
  assigneeStaffId!: number | null;

  /** The tier-2 person who escalated it: it returns to them when tier 3 sends it back. */
  @Column({ name: 'escalated_by_staff_id', type: 'integer', nullable: true })
  escalatedByStaffId!: number | null;

  @Column({ name: 'reporter_id', type: 'integer' })
  reporterId!: number;

  @Column({ name: 'area_id', type: 'integer', nullable: true })
  areaId!: number | null;

  @Column({ type: 'text' })
  question!: string;

  @Column({ name: 'order_no', type: 'varchar', length: 32, nullable: true })
  orderNo!: string | null;

  @Column({ type: 'text', transformer: jsonTransformer })
  photos!: string[];

  @Column({ type: 'double', nullable: true })
  latitude!: number | null;

  @Column({ type: 'double', nullable: true })
  longitude!: number | null;

  @Column({ name: 'location_text', type: 'varchar', length: 255, nullable: true })
  locationText!: string | null;

  /** The handbook entry that answered a deflected ticket. */
  @Column({ name: 'deflected_by_entry_id', type: 'integer', nullable: true })
  deflectedByEntryId!: number | null;

  @Column({ name: 'reopen_count', type: 'integer', default: 0 })
  reopenCount!: number;

  @Column({ name: 'sla_alerts', type: 'integer', default: 0 })
  slaAlerts!: number;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;

  @Column(datetimeColumn('first_response_due_at'))
  firstResponseDueAt!: Date;

  @Column(datetimeColumn('resolution_due_at'))
  resolutionDueAt!: Date;

  @Column(datetimeColumn('first_response_at', { nullable: true }))
  firstResponseAt!: Date | null;

  /** Set while waiting for the engineer: the SLA clock stands still from here. */
  @Column(datetimeColumn('sla_paused_at', { nullable: true }))
  slaPausedAt!: Date | null;

  @Column(datetimeColumn('resolved_at', { nullable: true }))
  resolvedAt!: Date | null;

  @Column(datetimeColumn('archived_at', { nullable: true }))
  archivedAt!: Date | null;

  @Column(datetimeColumn('updated_at'))
  updatedAt!: Date;
}
