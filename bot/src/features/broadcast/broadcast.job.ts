/**
 * Broadcast jobs: scheduled articles go out when due (each exactly once, however many instances run),
 * articles whose batches have all settled are marked sent (a sweep behind the relay's own settling), the
 * weekly best-case push, and the earlier warning to tier-2 when no best case is ready for the week.
 */
import { LessThanOrEqual, type EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { isAppError } from '../../errors';
import type { Job } from '../../jobs/job';
import type { Logger } from '../../logger';
import { enqueue } from '../../notifications/enqueue';
import { OutboxMessage } from '../../notifications/outbox.entity';
import type { NotificationTemplate } from '../../notifications/templates/template';
import { addLocalDays, clockMinutes, isoWeek, isoWeekday, localDay, zonedInstant } from '../../zoned-time';
import { readSetting } from '../settings';
import { findStaffById, resolveGroupRecipients, Staff } from '../staff';
import { Article } from './article.entity';
import { ArticleRecipient } from './article-recipient.entity';
import { markArticleSentIfDone } from './broadcast.batches';
import { bestCasesForWeek } from './broadcast.queries';
import { readinessProblems } from './broadcast.schema';
import { startSendingArticle, type BroadcastLinkOptions } from './broadcast.sending';
import { bestCaseScheduleSetting, type BestCaseSchedule } from './broadcast.settings';
import {
  articleCancelledTemplate,
  bestCaseMissingTemplate,
  bestCasePushFailedTemplate,
  type PushFailure,
} from './broadcast.templates';

/** Articles started (or swept) per run (the rest wait a minute). */
const MAX_PER_RUN = 20;

/** The instant of (ISO weekday, HH:MM) in the local ISO week that `now` falls in. */
export function instantInWeek(now: Date, timeZone: string, weekday: number, time: string): Date {
  const today = localDay(now, timeZone);
  const day = addLocalDays(today, weekday - isoWeekday(today));
  return zonedInstant(day, clockMinutes(time), timeZone);
}

type SendOutcome = 'sent' | 'skipped' | 'cancelled' | 'failed';

interface SendResult {
  readonly outcome: SendOutcome;
  /** Why it failed (a refusal that will not change by itself, or an error). */
  readonly failure?: PushFailure;
}

/** Tells the author of a scheduled article the job cancelled (WeCom if bound, else SMS). */
async function tellAuthorCancelled(manager: EntityManager, article: Article, now: Date): Promise<void> {
  const author = await findStaffById(manager, article.authorId);
  if (!author?.isActive) return;
  const channel = author.wecomUserId ? 'wecom' : author.phone ? 'sms' : undefined;
  if (!channel) return;
  await enqueue(manager, {
    channel,
    to: { staffId: author.id },
    template: articleCancelledTemplate.key,
    data: { kind: article.kind, title: article.title },
    dedupeKey: `broadcast:${article.id}:cancelled:v${article.version}`,
    now,
  });
}

/**
 * Starts sending one article in its own transaction. A refusal that will not change by itself — the
 * audience reaches nobody, the article is not ready — cancels a scheduled article so it stops being
 * retried every minute; when the audience reaches nobody its author is told, to fix and resend it.
 * Someone else having sent or changed it meanwhile is simply skipped. No PUBLIC_BASE_URL (UNAVAILABLE)
 * is retried next run.
 */
async function sendOne(
  manager: EntityManager,
  article: Article,
  from: 'scheduled' | 'draft',
  now: Date,
  links: BroadcastLinkOptions,
  logger: Logger,
): Promise<SendResult> {
  try {
    const started = await inTransaction(manager, (tx) =>
      startSendingArticle({ manager: tx, id: article.id, from: [from], now, links }),
    );
    logger.info(
      { articleId: article.id, recipients: started.recipients, batches: started.batches },
      'article sending started',
    );
    return { outcome: 'sent' };
  } catch (error) {
    if (isAppError(error) && (error.code === 'CONFLICT' || error.code === 'ILLEGAL_TRANSITION'))
      return { outcome: 'skipped' };
    if (isAppError(error) && error.code === 'VALIDATION_FAILED') {
      logger.warn({ articleId: article.id, reason: error.message }, 'article cannot be sent');
      const problems = (error.details as { problems?: Array<{ key: string }> } | undefined)?.problems ?? [];
      const isAudienceEmpty = problems.some((problem) => problem.key === 'broadcast.error.audienceEmpty');
      if (from === 'draft')
        return { outcome: 'failed', failure: isAudienceEmpty ? 'audienceEmpty' : 'notReady' };
      await inTransaction(manager, async (tx) => {
        const cancelled = await tx.update(
          Article,
          { id: article.id, status: 'scheduled', version: article.version },
          { status: 'cancelled', version: article.version + 1, updatedAt: now },
        );
        if (cancelled.affected === 1 && isAudienceEmpty) await tellAuthorCancelled(tx, article, now);
      });
      return { outcome: 'cancelled' };
    }
    if (isAppError(error) && error.code === 'UNAVAILABLE') {
      logger.error({ articleId: article.id, reason: error.message }, 'article cannot be sent');
      return { outcome: 'failed', failure: 'unavailable' };
    }
    logger.error({ err: error, articleId: article.id }, 'article sending failed');
    return { outcome: 'failed', failure: 'error' };
  }
}

function summary(results: readonly SendResult[]): string {
  const count = (outcome: string) => results.filter((result) => result.outcome === outcome).length;
  return `${count('sent')} sent, ${count('skipped')} skipped, ${count('cancelled')} cancelled, ${count('failed')} failed`;
}

/**
 * Marks `sending` articles with no queued recipient left as `sent`. The relay does this when it settles
 * the last batch; this sweep covers a settle that could not (a crash between batches, an older release).
 */
async function sweepSettledArticles(manager: EntityManager): Promise<number> {
  const done = await manager
    .createQueryBuilder(Article, 'a')
    .select('a.id', 'id')
    .where("a.status = 'sending'")
    .andWhere(
      `NOT EXISTS (${manager
        .createQueryBuilder(ArticleRecipient, 'r')
        .select('1')
        .where('r.article_id = a.id')
        .andWhere("r.delivery_status = 'queued'")
        .getQuery()})`,
    )
    .orderBy('a.id', 'ASC')
    .limit(MAX_PER_RUN)
    .getRawMany<{ id: number | string }>();
  let marked = 0;
  for (const { id } of done)
    if (await inTransaction(manager, (tx) => markArticleSentIfDone(tx, Number(id)))) marked += 1;
  return marked;
}

/** Every minute: sends the scheduled articles whose time has come; marks finished ones sent. */
export function broadcastScheduledJob(links: BroadcastLinkOptions): Job {
  return {
    name: 'broadcast-scheduled',
    description: 'Send scheduled notices, hot issues, outage alerts and best cases when their time comes',
    schedule: '* * * * *',
    isFrequent: true,
    async run({ now, manager, logger }) {
      const due = await manager.find(Article, {
        where: { status: 'scheduled', scheduledAt: LessThanOrEqual(now) },
        order: { scheduledAt: 'ASC', id: 'ASC' },
        take: MAX_PER_RUN,
      });
      const results: SendResult[] = [];
      for (const article of due)
        results.push(await sendOne(manager, article, 'scheduled', now, links, logger));
      const swept = await sweepSettledArticles(manager);
      return `${due.length} due: ${summary(results)}${swept > 0 ? `; ${swept} finished sending` : ''}`;
    },
  };
}

/**
 * Tells tier-2 once (per dedupe-key prefix) — by WeCom and SMS to the duty group `warnGroup` (its
 * on-duty members), or to every active tier-2 member when that group has no active members. Returns
 * whom it told, `already` when it had told them before, `nobody` when there is nobody to tell.
 */
async function tellTier2Once<T>(props: {
  readonly manager: EntityManager;
  readonly schedule: BestCaseSchedule;
  readonly keyPrefix: string;
  readonly template: NotificationTemplate<T>;
  readonly data: T;
  readonly now: Date;
}): Promise<string> {
  const { manager, schedule, keyPrefix, now } = props;
  const told = await manager
    .createQueryBuilder(OutboxMessage, 'o')
    .where("o.dedupe_key LIKE :prefix ESCAPE '!'", { prefix: `${keyPrefix.replace(/[!%_]/g, '!$&')}:%` })
    .getExists();
  if (told) return 'already';
  const group = await resolveGroupRecipients(manager, schedule.warnGroup);
  const recipients =
    group && group.members.length > 0
      ? [{ to: { group: schedule.warnGroup }, key: `${keyPrefix}:group` }]
      : (await manager.find(Staff, { where: { role: 'tier2', isActive: true }, order: { id: 'ASC' } })).map(
          (person) => ({ to: { staffId: person.id }, key: `${keyPrefix}:staff:${person.id}` }),
        );
  if (recipients.length === 0) return 'nobody';
  await inTransaction(manager, async (tx) => {
    for (const recipient of recipients)
      for (const channel of ['wecom', 'sms'] as const)
        await enqueue(tx, {
          channel,
          to: recipient.to,
          template: props.template.key,
          data: props.data,
          dedupeKey: `${recipient.key}:${channel}`,
          now,
        });
  });
  return 'group' in (recipients[0]?.to ?? {}) && recipients.length === 1
    ? `group ${schedule.warnGroup}`
    : `${recipients.length} tier-2 member(s)`;
}

/** A marked best case the push may send: scheduled/sent ones count, drafts only when ready to send. */
const isReady = (article: Article) => article.status !== 'draft' || readinessProblems(article).length === 0;

/**
 * The weekly best-case push (broadcast.bestCaseSchedule, default Friday 16:00): from the push time until
 * the ISO week ends, best cases marked for this week that are still drafts go to their audience (every
 * engineer unless the author chose one) — only drafts that are ready to send and were last saved before
 * the push time (one saved later is being worked on: its author sends it by hand). Each goes once —
 * sending moves it out of draft — so a run missed while the service was down only delays the push; with
 * none marked nothing is sent. A marked draft that cannot be pushed is reported to tier-2 once.
 */
export function bestCaseWeeklyJob(options: {
  readonly timeZone: string;
  readonly links: BroadcastLinkOptions;
}): Job {
  return {
    name: 'best-case-weekly',
    description: 'Send the best cases marked for this week to their audiences (default Friday 16:00)',
    schedule: '*/5 * * * *',
    async run({ now, manager, logger }) {
      const schedule = (await readSetting(manager, bestCaseScheduleSetting)).value;
      const week = isoWeek(now, options.timeZone);
      const pushAt = instantInWeek(now, options.timeZone, schedule.pushWeekday, schedule.pushTime);
      if (now < pushAt) return `${week}: before the push time`;
      const marked = (await bestCasesForWeek(manager, week)).filter(
        (article) => article.status === 'draft' && article.updatedAt <= pushAt,
      );
      if (marked.length === 0) return `${week}: nothing (more) to push`;
      const results: SendResult[] = [];
      for (const article of marked) {
        const result = isReady(article)
          ? await sendOne(manager, article, 'draft', now, options.links, logger)
          : { outcome: 'failed' as const, failure: 'notReady' as const };
        results.push(result);
        if (result.failure)
          await tellTier2Once({
            manager,
            schedule,
            keyPrefix: `broadcast:best-case-push-failed:${week}:${article.id}`,
            template: bestCasePushFailedTemplate,
            data: { week, title: article.title, reason: result.failure },
            now,
          });
      }
      return `${week}: ${summary(results)}`;
    },
  };
}

/**
 * The warning before the push (default Thursday 10:00 until Friday 16:00): if no best case ready to send
 * is marked for this week, tier-2 is told once (see {@link tellTier2Once}).
 */
export function bestCaseWarningJob(options: { readonly timeZone: string }): Job {
  return {
    name: 'best-case-warning',
    description: 'Tell tier-2 when no best case is marked for this week’s push (default Thursday 10:00)',
    schedule: '*/5 * * * *',
    async run({ now, manager }) {
      const schedule = (await readSetting(manager, bestCaseScheduleSetting)).value;
      const week = isoWeek(now, options.timeZone);
      if (now < instantInWeek(now, options.timeZone, schedule.warnWeekday, schedule.warnTime))
        return `${week}: before the warning time`;
      if (now >= instantInWeek(now, options.timeZone, schedule.pushWeekday, schedule.pushTime))
        return `${week}: the push time has passed`;
      if ((await bestCasesForWeek(manager, week)).some(isReady)) return `${week}: a best case is marked`;
      const told = await tellTier2Once({
        manager,
        schedule,
        keyPrefix: `broadcast:best-case-missing:${week}`,
        template: bestCaseMissingTemplate,
        data: { week, weekday: schedule.pushWeekday, time: schedule.pushTime },
        now,
      });
      if (told === 'already') return `${week}: tier-2 already told`;
      if (told === 'nobody') return `${week}: no tier-2 member to tell`;
      return `${week}: no best case marked; told ${told}`;
    },
  };
}
