/**
 * The WeCom inbox: accept a callback exactly once, process it in one transaction with everything it
 * changes (DESIGN §2 steps 8–9), and make sure its reply reaches the member — passively when the webhook
 * can still answer, otherwise as a WeCom push through the outbox (written in the same transaction, so a
 * reply exists exactly when the processing committed). Rows left behind by a crash or a failure are
 * picked up again by the `wecom-inbox` job.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { Dispatcher, MediaAttachment } from '../../conversation/dispatcher';
import type { BotReply } from '../../conversation/reply';
import { GroupCommitter } from '../../db/group-commit';
import { isUniqueViolation, sqlValue } from '../../db/raw-sql';
import { inTransaction } from '../../db/transaction';
import type { Logger } from '../../logger';
import { enqueue } from '../../notifications/enqueue';
import type { StoredMedia } from '../../storage/media-storage';
import { MediaRejectedError } from './api-client';
import { InboundMessageRecord, type ReplyChannel } from './inbound-message.entity';
import type { InboundMessage } from './message';
import { TEXT_LIMIT_BYTES } from './throttle';

export const DEFAULT_LEASE_MS = 60_000;
export const MAX_ATTEMPTS = 5;

export type Accepted =
  | { readonly duplicate: false; readonly id: number }
  | { readonly duplicate: true; readonly record: InboundMessageRecord };

export interface Processed {
  readonly replies: readonly BotReply[];
  readonly channel: ReplyChannel;
}

export interface InboxOptions {
  readonly dataSource: () => DataSource;
  readonly dispatcher: Dispatcher;
  /** Downloads and keeps a photo (MediaIds expire after 3 days, so this happens before dispatch). */
  readonly fetchMedia: (mediaId: string) => Promise<StoredMedia>;
  readonly logger: Logger;
  readonly leaseMs?: number;
  readonly clock?: () => Date;
}

/** How many messages at most share one processing transaction. */
const MAX_PROCESSING_GROUP = 32;

interface PendingProcessing {
  readonly id: number;
  readonly message: InboundMessage;
  readonly attempt: number;
  readonly media: MediaAttachment | undefined;
  /** False when nobody is waiting on the HTTP answer any more (recovery): every reply is pushed. */
  readonly canReplyPassively: boolean;
  resolve(processed: Processed): void;
  reject(error: unknown): void;
}

const INSERT_SQL =
  'INSERT INTO inbound_message (dedupe_key, from_user, msg_type, event, payload, status, attempts, lease_until, received_at) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
const DONE_SQL =
  "UPDATE inbound_message SET status = 'done', reply = ?, reply_channel = ?, processed_at = ?, lease_until = NULL, " +
  "last_error = NULL WHERE id = ? AND status = 'processing' AND attempts = ?";

/** One short text can go back in the HTTP answer; anything else is pushed. */
export function replyChannelFor(replies: readonly BotReply[]): ReplyChannel {
  if (replies.length === 0) return null;
  const [only] = replies;
  return replies.length === 1 && only?.type === 'text' && Buffer.byteLength(only.content) <= TEXT_LIMIT_BYTES
    ? null
    : 'push';
}

export class Inbox {
  private readonly leaseMs: number;
  private readonly clock: () => Date;
  private readonly inserts: GroupCommitter;
  private processing: PendingProcessing[] = [];
  private processingScheduled = false;

  constructor(private readonly options: InboxOptions) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.clock = options.clock ?? (() => new Date());
    this.inserts = new GroupCommitter(options.dataSource, INSERT_SQL);
  }

  /**
   * Stores the message under its dedupe key, already claimed for processing by the caller. A second
   * delivery of the same message gets the stored row back instead.
   */
  async accept(message: InboundMessage, dedupeKey: string): Promise<Accepted> {
    const dataSource = this.options.dataSource();
    const now = this.clock();
    try {
      // The hot path of every callback: one prepared INSERT, group-committed with its neighbours.
      const { insertId: id } = await this.inserts.execute([
        dedupeKey,
        message.fromUserName.slice(0, 64),
        message.type === 'unsupported' ? message.msgType.slice(0, 32) : message.type,
        message.type === 'event'
          ? message.event
          : message.type === 'unsupported'
            ? (message.event?.slice(0, 64) ?? null)
            : null,
        JSON.stringify(message),
        'processing',
        1,
        new Date(now.getTime() + this.leaseMs),
        now,
      ]);
      return { duplicate: false, id };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const record = await dataSource.manager.findOneByOrFail(InboundMessageRecord, { dedupeKey });
      return { duplicate: true, record };
    }
  }

  /**
   * Runs the dispatcher and records the outcome atomically. `attempt` is the claim this caller holds; if
   * the row was claimed again since (the recovery job took over after our lease ran out), the work is
   * rolled back: one effect only.
   *
   * Messages processed at the same moment share one transaction (see processGroup): the group pays for
   * one commit (one log flush) instead of one each — what lets the webhook keep up with a burst.
   */
  async process(
    id: number,
    message: InboundMessage,
    attempt: number,
    canReplyPassively = true,
  ): Promise<Processed> {
    try {
      const media = message.type === 'image' ? await this.keepPhoto(message.mediaId) : undefined;
      return await new Promise<Processed>((resolve, reject) => {
        this.processing.push({ id, message, attempt, media, canReplyPassively, resolve, reject });
        if (!this.processingScheduled) {
          this.processingScheduled = true;
          setImmediate(() => this.flushProcessing());
        }
      });
    } catch (error) {
      const retryAt = new Date(this.clock().getTime() + this.leaseMs);
      await inTransaction(this.options.dataSource(), (manager) =>
        manager.update(
          InboundMessageRecord,
          { id, status: 'processing', attempts: attempt },
          { status: 'failed', leaseUntil: retryAt, lastError: describe(error) },
        ),
      ).catch(() => undefined);
      this.options.logger.error({ err: error, inboundId: id }, 'processing an inbound message failed');
      throw error;
    }
  }

  private flushProcessing(): void {
    this.processingScheduled = false;
    while (this.processing.length > 0) {
      const group = this.processing.splice(0, MAX_PROCESSING_GROUP);
      this.processGroup(group).catch((error: unknown) => group.forEach((item) => item.reject(error)));
    }
  }

  /**
   * Optimistic group commit: the whole group in one transaction. If any message fails, the group is
   * rolled back (so nothing of it happened) and each message is processed again in its own transaction,
   * where only the failing one fails. Failures are rare; the common case pays one commit per group.
   */
  private async processGroup(group: readonly PendingProcessing[]): Promise<void> {
    const dataSource = this.options.dataSource();
    const now = this.clock();
    if (group.length > 1) {
      try {
        const results = await inTransaction(dataSource, async (manager) => {
          const processed: Processed[] = [];
          for (const item of group) processed.push(await this.processOne(manager, item, now));
          return processed;
        });
        group.forEach((item, index) => {
          const processed = results[index];
          if (processed) item.resolve(processed);
        });
        return;
      } catch {
        // Fall through: find out which message failed, without letting it take the others down.
      }
    }
    for (const item of group) {
      try {
        item.resolve(await inTransaction(dataSource, (manager) => this.processOne(manager, item, now)));
      } catch (error) {
        item.reject(error);
      }
    }
  }

  private async processOne(manager: EntityManager, item: PendingProcessing, now: Date): Promise<Processed> {
    const { id, message, attempt, media } = item;
    const replies = await this.options.dispatcher({ message, manager, now, ...(media ? { media } : {}) });
    const channel = item.canReplyPassively ? replyChannelFor(replies) : replies.length > 0 ? 'push' : null;
    if (channel === 'push') await this.enqueueReply(manager, id, message.fromUserName, replies);
    const result = (await manager.queryRunner?.query(
      DONE_SQL,
      [JSON.stringify(replies), channel, sqlValue(manager.dataSource, now), id, attempt],
      true,
    )) as { affected?: number } | undefined;
    if (result?.affected !== 1) throw new Error(`inbound message ${id} is no longer claimed by this process`);
    return { replies, channel };
  }

  /**
   * Downloads a photo before the transaction (network I/O never holds a transaction open). A file that
   * is not a usable photo is reported to the dispatcher; a network or WeCom failure fails the attempt,
   * to be retried while the MediaId is still valid.
   */
  private async keepPhoto(mediaId: string): Promise<MediaAttachment> {
    try {
      return { stored: await this.options.fetchMedia(mediaId) };
    } catch (error) {
      if (error instanceof MediaRejectedError) return { rejected: error.message };
      throw error;
    }
  }

  /** The reply as a WeCom push, in the caller's transaction; idempotent per inbound message. */
  private async enqueueReply(
    manager: EntityManager,
    id: number,
    toUser: string,
    replies: readonly BotReply[],
  ): Promise<void> {
    await enqueue(manager, {
      channel: 'wecom',
      to: { wecomUser: toUser },
      template: 'bot.reply',
      data: { replies },
      dedupeKey: `inbound:${id}:reply`,
    });
  }

  /**
   * Pushes the reply of a message the webhook finished too late to answer passively. Marks the row so
   * that a retried delivery does not repeat it passively as well.
   */
  async pushLateReply(id: number, toUser: string, replies: readonly BotReply[]): Promise<void> {
    await inTransaction(this.options.dataSource(), async (manager) => {
      await manager.update(InboundMessageRecord, { id }, { replyChannel: 'push' });
      await this.enqueueReply(manager, id, toUser, replies);
    });
  }

  /**
   * Finishes what a crash or a failure left behind: messages never processed (or whose processing lease
   * ran out) are processed now and answered by push (the outbox retries failed pushes by itself).
   * Returns how many messages it processed.
   */
  async recover(limit = 50): Promise<number> {
    const dataSource = this.options.dataSource();
    const now = this.clock();
    const stuck = await dataSource.manager
      .createQueryBuilder(InboundMessageRecord, 'm')
      .where("m.status IN ('received', 'processing', 'failed')")
      .andWhere('(m.lease_until IS NULL OR m.lease_until < :now)', { now })
      .andWhere('m.attempts < :max', { max: MAX_ATTEMPTS })
      .orderBy('m.id')
      .limit(limit)
      .getMany();
    let handled = 0;
    for (const row of stuck) {
      if (!(await this.claim(row, now))) continue;
      handled += 1;
      try {
        const { channel } = await this.process(row.id, row.payload, row.attempts + 1, false);
        this.options.logger.info({ inboundId: row.id, channel }, 'recovered an unprocessed inbound message');
      } catch {
        // Recorded as failed by process(); the next run tries again until MAX_ATTEMPTS.
      }
    }
    return handled;
  }

  /** Takes a row over for processing if nobody else did in the meantime. */
  private async claim(row: InboundMessageRecord, now: Date): Promise<boolean> {
    return inTransaction(this.options.dataSource(), async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(InboundMessageRecord)
        .set({
          status: 'processing',
          attempts: () => 'attempts + 1',
          leaseUntil: new Date(now.getTime() + this.leaseMs),
        })
        .where({ id: row.id, status: row.status, attempts: row.attempts })
        .execute();
      return result.affected === 1;
    });
  }
}

function describe(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2000);
}
