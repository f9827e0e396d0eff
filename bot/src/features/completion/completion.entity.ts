import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';

/**
 * - `pending`: submitted, waiting for someone at the completion desk to claim it
 * - `claimed`: one person at the desk is closing the order out
 * - `completed`: the order was closed out (报竣完成); the engineer was told
 * - `rejected`: sent back with a reason; the engineer fixes it and submits a new request for the order
 */
export type CompletionStatus = 'pending' | 'claimed' | 'completed' | 'rejected';
export const COMPLETION_STATUSES: readonly CompletionStatus[] = [
  'pending',
  'claimed',
  'completed',
  'rejected',
];
/** Statuses in which a request blocks a second one for the same order. */
export const OPEN_COMPLETION_STATUSES: readonly CompletionStatus[] = ['pending', 'claimed'];

/** A photo of the request, labelled with the checklist item it shows (`null`: an extra photo). */
export interface CompletionPhoto {
  readonly item: string | null;
  readonly key: string;
}

/** An offline completion request (线下报竣): an order the engineer finished but could not close on site. */
@Entity({ name: 'completion_request' })
@Index('idx_completion_queue', ['status', 'createdAt'])
@Index('idx_completion_reporter', ['reporterId', 'status'])
@Index('idx_completion_order', ['orderNo'])
export class CompletionRequest {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** BJ20261130-0001 */
  @Index('uq_completion_ref_no', { unique: true })
  @Column({ name: 'ref_no', type: 'varchar', length: 20 })
  refNo!: string;

  /** The order (工单号) to close out. */
  @Column({ name: 'order_no', type: 'varchar', length: 32 })
  orderNo!: string;

  /**
   * The order number while the request is open, NULL once decided: a unique index on it lets the
   * database itself refuse a second open request for one order, even when two arrive at once.
   */
  @Index('uq_completion_open_order', { unique: true })
  @Column({ name: 'open_order_no', type: 'varchar', length: 32, nullable: true })
  openOrderNo!: string | null;

  /** 新装 / 移机 / 修障 / 拆机 (the names of setting `completion.businessTypes`). */
  @Column({ name: 'business_type', type: 'varchar', length: 16 })
  businessType!: string;

  @Column({ type: 'varchar', length: 10 })
  status!: CompletionStatus;

  @Column({ type: 'text', transformer: jsonTransformer })
  photos!: CompletionPhoto[];

  /** Device serial numbers (光猫 SN, 机顶盒 SN…), typed or scanned. */
  @Column({ type: 'text', transformer: jsonTransformer })
  serials!: string[];

  /** The measured optical power in dBm, when the business type needs one. */
  @Column({ name: 'optical_power_dbm', type: 'double', nullable: true })
  opticalPowerDbm!: number | null;

  /** The power was outside the thresholds and the engineer confirmed it anyway: flagged for the desk. */
  @Column({ name: 'is_power_out_of_range', type: 'boolean', default: false })
  isPowerOutOfRange!: boolean;

  @Column({ type: 'text', nullable: true })
  remarks!: string | null;

  @Column({ name: 'reporter_id', type: 'integer' })
  reporterId!: number;

  @Column({ name: 'area_id', type: 'integer', nullable: true })
  areaId!: number | null;

  @Column({ name: 'assignee_staff_id', type: 'integer', nullable: true })
  assigneeStaffId!: number | null;

  /** Who completed or rejected it. */
  @Column({ name: 'decided_by_staff_id', type: 'integer', nullable: true })
  decidedByStaffId!: number | null;

  @Column({ name: 'result_note', type: 'text', nullable: true })
  resultNote!: string | null;

  /** One of setting `completion.rejectReasons`, for a rejected request. */
  @Column({ name: 'reject_reason', type: 'varchar', length: 64, nullable: true })
  rejectReason!: string | null;

  /** The rejected request for the same order that this one resubmits, if any. */
  @Column({ name: 'resubmission_of_id', type: 'integer', nullable: true })
  resubmissionOfId!: number | null;

  /** 0 none, 1 the desk was alerted again, 2 the duty leads too. */
  @Column({ name: 'realert_level', type: 'integer', default: 0 })
  realertLevel!: number;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;

  @Column(datetimeColumn('claimed_at', { nullable: true }))
  claimedAt!: Date | null;

  @Column(datetimeColumn('decided_at', { nullable: true }))
  decidedAt!: Date | null;

  @Column(datetimeColumn('updated_at'))
  updatedAt!: Date;
}
