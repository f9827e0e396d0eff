import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn } from '../../db/columns';

/**
 * queued → delivered (WeCom accepted the batch), or `invalid` (WeCom named the member in invaliduser),
 * `skipped` (WeCom neither accepted nor refused the member: its answer did not name them), `failed` (the
 * batch gave up).
 */
export const DELIVERY_STATUSES = ['queued', 'delivered', 'invalid', 'skipped', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One person an article was sent to, fixed when sending started: which WeCom batch carries it and the
 * UserID and language it goes to (copied from the roster then, so every attempt at the batch is the same
 * request — see broadcast.batches.ts), whether it arrived, when it was read (opened through the signed
 * link, identified by WeCom's OAuth), and the last reminder that reached them.
 */
@Entity({ name: 'article_recipient' })
@Index('uq_article_recipient', ['articleId', 'staffId'], { unique: true })
@Index('idx_article_recipient_batch', ['articleId', 'batch'])
// Covers the list page's per-article counts (no table row is read for them).
@Index('idx_article_recipient_counts', ['articleId', 'deliveryStatus', 'readAt', 'remindedAt'])
@Index('idx_article_recipient_staff', ['staffId'])
export class ArticleRecipient {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'article_id', type: 'integer' })
  articleId!: number;

  @Column({ name: 'staff_id', type: 'integer' })
  staffId!: number;

  /** The message/send batch (up to 1,000 people, one language) this person is in. */
  @Column({ type: 'integer' })
  batch!: number;

  /** The UserID the article was addressed to when sending started (a later rebind does not change it). */
  @Column({ name: 'wecom_user_id', type: 'varchar', length: 64 })
  wecomUserId!: string;

  /** The language the card was rendered in (the person's language when sending started). */
  @Column({ type: 'varchar', length: 8 })
  locale!: string;

  @Column({ name: 'delivery_status', type: 'varchar', length: 10 })
  deliveryStatus!: DeliveryStatus;

  @Column(datetimeColumn('delivered_at', { nullable: true }))
  deliveredAt!: Date | null;

  @Column(datetimeColumn('read_at', { nullable: true }))
  readAt!: Date | null;

  /** The last reminder round WeCom accepted for this person (0: never reminded). */
  @Column({ name: 'reminder_round', type: 'integer', default: 0 })
  reminderRound!: number;

  /** When that reminder was delivered (set when its batch is settled, not when it was queued). */
  @Column(datetimeColumn('reminded_at', { nullable: true }))
  remindedAt!: Date | null;
}
