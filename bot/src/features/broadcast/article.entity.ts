import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { datetimeColumn, jsonTransformer } from '../../db/columns';
import type { Role } from '../staff';

/** 通知 · 热点问题 · 故障通告 · 优秀案例. */
export const ARTICLE_KINDS = ['notice', 'hot', 'outage', 'best-case'] as const;
export type ArticleKind = (typeof ARTICLE_KINDS)[number];

/**
 * draft → scheduled → sending → sent; a scheduled article can be cancelled (and later scheduled or sent
 * again). `sending`: the recipients are fixed and their WeCom batches are in the outbox; `sent`: every
 * batch has been delivered or given up.
 */
export const ARTICLE_STATUSES = ['draft', 'scheduled', 'sending', 'sent', 'cancelled'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];

/**
 * Who an article goes to: the union of everyone, roles, departments/areas and duty groups (by key).
 * Only active staff with a bound WeCom account receive it.
 */
export interface ArticleAudience {
  readonly everyone: boolean;
  readonly roles: readonly Role[];
  readonly departmentIds: readonly number[];
  readonly groupKeys: readonly string[];
}

/**
 * A notice, hot issue, outage alert or best case: written on the web by tier-2 and admins, sent to an
 * audience as a WeCom card that opens a signed mobile page, with read tracking per recipient.
 */
@Entity({ name: 'article' })
@Index('idx_article_due', ['status', 'scheduledAt'])
@Index('idx_article_kind_sent', ['kind', 'status', 'sentAt'])
@Index('idx_article_featured', ['featuredWeek'])
export class Article {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 10 })
  kind!: ArticleKind;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  /** Shown in the WeCom card and in lists. */
  @Column({ type: 'varchar', length: 500 })
  summary!: string;

  /** Markdown (rendered without raw HTML or images). */
  @Column({ type: 'text' })
  body!: string;

  /** Media key (MediaStorage) of the cover photo. */
  @Column({ name: 'cover_key', type: 'varchar', length: 80, nullable: true })
  coverKey!: string | null;

  @Column({ type: 'text', transformer: jsonTransformer })
  tags!: string[];

  /** The staff member who wrote it. */
  @Column({ name: 'author_id', type: 'integer' })
  authorId!: number;

  @Column({ type: 'varchar', length: 10 })
  status!: ArticleStatus;

  @Column({ type: 'text', transformer: jsonTransformer })
  audience!: ArticleAudience;

  /** Outage alerts are urgent: never held for quiet hours; unread recipients can be reminded. */
  @Column({ name: 'is_urgent', type: 'boolean', default: false })
  isUrgent!: boolean;

  /** Duty-group keys that also get the alert by SMS (outage alerts only). */
  @Column({ name: 'sms_groups', type: 'text', transformer: jsonTransformer })
  smsGroups!: string[];

  @Column(datetimeColumn('scheduled_at', { nullable: true }))
  scheduledAt!: Date | null;

  /** When sending started (the recipients were fixed). */
  @Column(datetimeColumn('sent_at', { nullable: true }))
  sentAt!: Date | null;

  /** Best cases: the ISO week (`2026-W48`) whose Friday push carries it. */
  @Column({ name: 'featured_week', type: 'varchar', length: 8, nullable: true })
  featuredWeek!: string | null;

  /** How many people it was sent to (the article_recipient rows). */
  @Column({ name: 'recipient_count', type: 'integer', default: 0 })
  recipientCount!: number;

  /** Reminder rounds sent to unread recipients so far. */
  @Column({ name: 'reminder_rounds', type: 'integer', default: 0 })
  reminderRounds!: number;

  @Column(datetimeColumn('last_reminded_at', { nullable: true }))
  lastRemindedAt!: Date | null;

  /** Optimistic concurrency: two editors saving at once cannot both win. */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column(datetimeColumn('created_at'))
  createdAt!: Date;

  @Column(datetimeColumn('updated_at'))
  updatedAt!: Date;
}
