import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../db/columns';

/** `orders`: the operator's order system (an HTTP call), when completion hand-off is configured. */
export const OUTBOX_CHANNELS = ['sms', 'email', 'wecom', 'orders'] as const;
export type OutboxChannel = (typeof OUTBOX_CHANNELS)[number];
/**
 * `staff` by id; `group` by duty-group key (expanded at send time); `wecom_user` for a verified UserID;
 * `system` for another system (the order system), named by the channel's own configuration; `batch` for
 * one WeCom message to up to 1,000 members, named by a ref its feature resolves at send time (batches.ts).
 */
export type RecipientKind = 'staff' | 'group' | 'wecom_user' | 'system' | 'batch';
export type Urgency = 'normal' | 'urgent';
/**
 * pending → sending → sent, or back to pending with a backoff, or dead after the last attempt or a
 * permanent error. A group row becomes `expanded` once its members' rows exist.
 */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead' | 'expanded';

/**
 * The transactional outbox (DESIGN §2): every SMS, email and WeCom push, written in the transaction of
 * the change that caused it, delivered at least once by the relay.
 */
@Entity({ name: 'outbox' })
@Index('idx_outbox_due', ['status', 'nextAttemptAt'])
export class OutboxMessage {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 8 })
  channel!: OutboxChannel;

  @Column({ name: 'recipient_kind', type: 'varchar', length: 12 })
  recipientKind!: RecipientKind;

  /** Staff id, duty-group key, WeCom UserID or batch ref, per `recipientKind`. */
  @Column({ name: 'recipient_ref', type: 'varchar', length: 64 })
  recipientRef!: string;

  @Column({ type: 'varchar', length: 64 })
  template!: string;

  @Column({ type: 'text', transformer: jsonTransformer })
  data!: unknown;

  @Index('uq_outbox_dedupe_key', { unique: true })
  @Column({ name: 'dedupe_key', type: 'varchar', length: 191 })
  dedupeKey!: string;

  @Column({ type: 'varchar', length: 8 })
  urgency!: Urgency;

  @Column({ type: 'varchar', length: 12 })
  status!: OutboxStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column(datetimeColumn('next_attempt_at'))
  nextAttemptAt!: Date;

  @Column({ name: 'claim_token', type: 'varchar', length: 32, nullable: true })
  claimToken!: string | null;

  @Column(datetimeColumn('lease_until', { nullable: true }))
  leaseUntil!: Date | null;

  /** The group row this one was expanded from. */
  @Column({ name: 'parent_id', type: 'integer', nullable: true })
  parentId!: number | null;

  /** The recipient was on duty in the group when expanded: never held for quiet hours. */
  @Column({ name: 'is_on_duty', type: 'boolean', default: false })
  isOnDuty!: boolean;

  /** Where it actually went (phone, address, UserID), resolved at send time; for the audit trail. */
  @Column({ name: 'resolved_address', type: 'varchar', length: 254, nullable: true })
  resolvedAddress!: string | null;

  @Index('idx_outbox_provider_id')
  @Column({ name: 'provider_id', type: 'varchar', length: 64, nullable: true })
  providerId!: string | null;

  /** The provider's delivery status (Twilio: queued, sent, delivered, undelivered, failed…). */
  @Column({ name: 'provider_status', type: 'varchar', length: 16, nullable: true })
  providerStatus!: string | null;

  /** Set when a send timed out after the provider may have accepted it: check before sending again. */
  @Column(datetimeColumn('uncertain_since', { nullable: true }))
  uncertainSince!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;

  @Column(datetimeColumn('sent_at', { nullable: true }))
  sentAt!: Date | null;
}
