/**
 * How the relay finds the members of an article's WeCom batches, and what it records once a batch is
 * settled. Refs: `article:<id>:<batch>` for the article itself, `article:<id>:r<round>:<batch>` for a
 * reminder round. Members come only from what was frozen when the batch was written — article_recipient
 * (UserID and language copied from the roster when sending started) or article_reminder (per round) — in
 * row-id order. So every attempt at a batch is the same request whatever happened to the roster since
 * (someone deactivated, unbound or rebound stays in it: WeCom refuses or ignores them as invaliduser), and
 * WeCom's duplicate check stops a resend after a crash from reaching anyone twice — within its 4-hour
 * window, which the relay enforces (relay.ts).
 */
import type { EntityManager } from 'typeorm';
import { lockForUpdate } from '../../db/locks';
import { DEFAULT_LOCALE, isLocale, type Locale } from '../../i18n';
import { defineBatchRecipients, type BatchOutcome } from '../../notifications/batches';
import { Article } from './article.entity';
import { ArticleRecipient, type DeliveryStatus } from './article-recipient.entity';
import { ArticleReminder } from './article-reminder.entity';

export const articleBatchRef = (articleId: number, batch: number) => `article:${articleId}:${batch}`;
export const reminderBatchRef = (articleId: number, round: number, batch: number) =>
  `article:${articleId}:r${round}:${batch}`;

interface ParsedRef {
  readonly articleId: number;
  readonly batch: number;
  /** Set for a reminder round's batch. */
  readonly round?: number;
}

function parseRef(ref: string): ParsedRef | undefined {
  const match = /^article:(\d{1,9}):(?:r(\d{1,6}):)?(\d{1,6})$/.exec(ref);
  if (!match) return undefined;
  return {
    articleId: Number(match[1]),
    batch: Number(match[3]),
    ...(match[2] === undefined ? {} : { round: Number(match[2]) }),
  };
}

interface BatchMember {
  /** The article_recipient row. */
  readonly recipientId: number;
  readonly wecomUserId: string;
  readonly locale: string;
  readonly deliveryStatus: DeliveryStatus;
}

/** Everyone frozen into a batch, in row order (the order of `touser` on every attempt). */
async function batchMembers(manager: EntityManager, parsed: ParsedRef): Promise<BatchMember[]> {
  const query =
    parsed.round === undefined
      ? manager
          .createQueryBuilder(ArticleRecipient, 'r')
          .select('r.id', 'recipientId')
          .addSelect('r.wecom_user_id', 'wecomUserId')
          .addSelect('r.locale', 'locale')
          .addSelect('r.delivery_status', 'deliveryStatus')
          .where('r.article_id = :articleId', { articleId: parsed.articleId })
          .andWhere('r.batch = :batch', { batch: parsed.batch })
          .orderBy('r.id', 'ASC')
      : manager
          .createQueryBuilder(ArticleReminder, 'm')
          .innerJoin(ArticleRecipient, 'r', 'r.id = m.recipient_id')
          .select('m.recipient_id', 'recipientId')
          .addSelect('m.wecom_user_id', 'wecomUserId')
          .addSelect('m.locale', 'locale')
          .addSelect('r.delivery_status', 'deliveryStatus')
          .where('m.article_id = :articleId', { articleId: parsed.articleId })
          .andWhere('m.round = :round', { round: parsed.round })
          .andWhere('m.batch = :batch', { batch: parsed.batch })
          .orderBy('m.id', 'ASC');
  const rows = await query.getRawMany<{
    recipientId: number | string;
    wecomUserId: string;
    locale: string;
    deliveryStatus: DeliveryStatus;
  }>();
  return rows.map((row) => ({
    recipientId: Number(row.recipientId),
    wecomUserId: row.wecomUserId,
    locale: row.locale,
    deliveryStatus: row.deliveryStatus,
  }));
}

/** The batch's language (batches are cut by language, so all of its members share it). */
function batchLocale(members: readonly BatchMember[]): Locale {
  const locale = members[0]?.locale;
  return locale && isLocale(locale) ? locale : DEFAULT_LOCALE;
}

async function setDelivery(
  manager: EntityManager,
  ids: readonly number[],
  status: DeliveryStatus,
  at: Date | null,
): Promise<void> {
  if (ids.length === 0) return;
  await manager
    .createQueryBuilder()
    .update(ArticleRecipient)
    .set({ deliveryStatus: status, ...(at ? { deliveredAt: at } : {}) })
    .where('id IN (:...ids)', { ids: [...ids] })
    .execute();
}

/** A reminder batch WeCom accepted: the people it reached get remindedAt (and the round). */
async function settleReminder(
  manager: EntityManager,
  parsed: ParsedRef & { readonly round: number },
  outcome: BatchOutcome,
): Promise<void> {
  if (outcome.status === 'dead') return;
  const delivered = new Set(outcome.delivered);
  const ids = (await batchMembers(manager, parsed))
    .filter((member) => delivered.has(member.wecomUserId))
    .map((member) => member.recipientId);
  if (ids.length === 0) return;
  await manager
    .createQueryBuilder()
    .update(ArticleRecipient)
    .set({ reminderRound: parsed.round, remindedAt: outcome.at })
    .where('id IN (:...ids)', { ids })
    // An older round settled late must not overwrite a newer one.
    .andWhere('reminder_round < :round', { round: parsed.round })
    .execute();
}

/** Reads the article row under a write lock (MySQL/MariaDB; SQLite serialises write transactions). */
async function lockArticle(manager: EntityManager, articleId: number): Promise<Article | null> {
  return lockForUpdate(
    manager.createQueryBuilder(Article, 'a').where('a.id = :articleId', { articleId }),
  ).getOne();
}

/**
 * Marks the article sent once no recipient is still queued. The article row is locked first (SELECT …
 * FOR UPDATE on MySQL/MariaDB; SQLite runs one write transaction at a time anyway), so of two relays
 * settling the last two batches at once the second waits for the first to commit and then sees no queued
 * rows — without the lock each would see the other's rows still queued and the article stay `sending`.
 */
export async function markArticleSentIfDone(manager: EntityManager, articleId: number): Promise<boolean> {
  const article = await lockArticle(manager, articleId);
  if (article?.status !== 'sending') return false;
  const stillQueued = await manager.exists(ArticleRecipient, {
    where: { articleId, deliveryStatus: 'queued' },
  });
  if (stillQueued) return false;
  const result = await manager.update(Article, { id: articleId, status: 'sending' }, { status: 'sent' });
  return result.affected === 1;
}

/** Records who a settled batch reached, and marks the article sent once no batch is still queued. */
async function settle(manager: EntityManager, parsed: ParsedRef, outcome: BatchOutcome): Promise<void> {
  if (parsed.round !== undefined) return settleReminder(manager, { ...parsed, round: parsed.round }, outcome);
  // Lock the article before touching its recipients: every settle takes the locks in the same order.
  await lockArticle(manager, parsed.articleId);
  const members = await batchMembers(manager, parsed);
  if (outcome.status === 'dead') {
    const queued = members.filter((member) => member.deliveryStatus === 'queued');
    await setDelivery(
      manager,
      queued.map((member) => member.recipientId),
      'failed',
      null,
    );
  } else {
    const delivered = new Set(outcome.delivered);
    const invalid = new Set(outcome.invalid);
    const open = members.filter(
      (member) => member.deliveryStatus === 'queued' || member.deliveryStatus === 'failed',
    );
    const ids = (test: (member: BatchMember) => boolean) =>
      open.filter(test).map((member) => member.recipientId);
    const isDelivered = (member: BatchMember) => delivered.has(member.wecomUserId);
    const isInvalid = (member: BatchMember) => invalid.has(member.wecomUserId);
    await setDelivery(manager, ids(isDelivered), 'delivered', outcome.at);
    await setDelivery(manager, ids(isInvalid), 'invalid', null);
    await setDelivery(
      manager,
      ids((member) => !isDelivered(member) && !isInvalid(member)),
      'skipped',
      null,
    );
  }
  await markArticleSentIfDone(manager, parsed.articleId);
}

/** Registered on import (the relay finds it by the `article` prefix). */
export const articleBatches = defineBatchRecipients({
  prefix: 'article',
  async resolve(manager, ref) {
    const parsed = parseRef(ref);
    if (!parsed) return { refused: `malformed article batch ${ref}` };
    if (!(await manager.existsBy(Article, { id: parsed.articleId })))
      return { refused: `article ${parsed.articleId} no longer exists` };
    const members = await batchMembers(manager, parsed);
    return { addresses: members.map((member) => member.wecomUserId), locale: batchLocale(members) };
  },
  async settle(manager, ref, outcome) {
    const parsed = parseRef(ref);
    if (parsed) await settle(manager, parsed, outcome);
  },
});
