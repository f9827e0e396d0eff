/**
 * Sending an article. When sending starts, in ONE transaction: the status moves to `sending` (a guarded
 * update, so two job runs or two clicks cannot both send), the audience is resolved once into
 * article_recipient rows cut into batches of up to 1,000 people of one language — each row freezing the
 * UserID and language it goes to — and one outbox row per batch is written (plus the outage SMS rows).
 * A crash therefore leaves either nothing or everything. The relay sends each batch as one WeCom
 * message/send call, at least once; because a batch is resolved only from its frozen rows, every attempt
 * is the same request, and WeCom's duplicate check (4 hours) stops a resend after a crash from reaching
 * anyone twice. A batch whose first attempt is older than that window is not resent blindly (relay.ts).
 * The article becomes `sent` once every batch is delivered or given up. Reminder rounds freeze their
 * members the same way, in article_reminder rows of their own.
 */
import type { EntityManager } from 'typeorm';
import { AppError } from '../../errors';
import { DEFAULT_LOCALE, isLocale } from '../../i18n';
import { enqueue } from '../../notifications/enqueue';
import { WECOM_BATCH_LIMIT } from '../../notifications/batches';
import { plainExcerpt } from '../knowledge';
import { Staff } from '../staff';
import { Article, type ArticleStatus } from './article.entity';
import { ArticleRecipient } from './article-recipient.entity';
import { ArticleReminder } from './article-reminder.entity';
import { resolveAudience, type AudienceMember } from './broadcast.audience';
import {
  expectState,
  guardedArticleUpdate,
  invalidArticle,
  loadArticle,
  EDITABLE_STATUSES,
} from './broadcast.commands';
import { articleCoverLink, articleLink } from './broadcast.links';
import { effectiveAudience, readinessProblems } from './broadcast.schema';
import { articleCardTemplate, articleReminderTemplate, outageSmsTemplate } from './broadcast.templates';
import { articleBatchRef, reminderBatchRef } from './broadcast.batches';

/**
 * Where signed links point and what signs them. `baseUrl` is PUBLIC_BASE_URL — or, only in development
 * mode with the built-in fake WeCom, the service's own address; undefined when neither applies, and then
 * nothing can be sent (UNAVAILABLE). It never comes from a request's Host header.
 */
export interface BroadcastLinkOptions {
  readonly baseUrl: string | undefined;
  readonly sessionSecret: string | undefined;
}

export interface SendStarted {
  readonly article: Article;
  /** People the article goes to. */
  readonly recipients: number;
  /** WeCom message/send calls it takes. */
  readonly batches: number;
  /** Duty groups also alerted by SMS. */
  readonly smsGroups: number;
}

/** A reminder round sent to unread recipients (0 reminded: everyone had read it, no round was used). */
export interface ReminderSent {
  readonly article: Article;
  readonly round: number;
  readonly reminded: number;
  readonly batches: number;
}

/** Rows per INSERT: well inside SQLite's and MySQL's limits on bound parameters. */
const INSERT_CHUNK = 500;
/** A new reminder round within this long of the last one is refused (a double click, not a new round). */
export const REMINDER_MIN_INTERVAL_MS = 5 * 60_000;

/** The language a card is rendered in for someone whose profile says `language`. */
const localeOf = (language: string) => (isLocale(language) ? language : DEFAULT_LOCALE);

/** Cuts people (ordered by language) into batches of at most 1,000, never mixing languages. */
export function cutBatches<T extends { readonly language: string }>(people: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  for (const person of people) {
    if (
      current.length === WECOM_BATCH_LIMIT ||
      (current.length > 0 && current[0]?.language !== person.language)
    ) {
      batches.push(current);
      current = [];
    }
    current.push(person);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** The link base, or UNAVAILABLE (broadcast.error.noPublicBaseUrl) when PUBLIC_BASE_URL is not set. */
export function linkBase(links: BroadcastLinkOptions): string {
  if (links.baseUrl) return links.baseUrl;
  throw new AppError('UNAVAILABLE', 'PUBLIC_BASE_URL is not set: article links would point nowhere', {
    details: { problems: [{ field: 'audience', key: 'broadcast.error.noPublicBaseUrl' }] },
    params: { detail: 'PUBLIC_BASE_URL' },
  });
}

async function cardData(manager: EntityManager, article: Article, links: BroadcastLinkOptions, now: Date) {
  const linkProps = {
    manager,
    id: article.id,
    baseUrl: linkBase(links),
    now,
    sessionSecret: links.sessionSecret,
  };
  return {
    articleId: article.id,
    kind: article.kind,
    title: article.title,
    summary: article.summary || plainExcerpt(article.body),
    url: await articleLink(linkProps),
    coverUrl: article.coverKey ? await articleCoverLink(linkProps) : null,
  };
}

async function insertRecipients(manager: EntityManager, articleId: number, batches: AudienceMember[][]) {
  const rows = batches.flatMap((members, batch) =>
    members.map((member) => ({
      articleId,
      staffId: member.staffId,
      batch,
      wecomUserId: member.wecomUserId,
      locale: localeOf(member.language),
      deliveryStatus: 'queued' as const,
      reminderRound: 0,
    })),
  );
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    await manager
      .createQueryBuilder()
      .insert()
      .into(ArticleRecipient)
      .values(rows.slice(start, start + INSERT_CHUNK))
      .updateEntity(false)
      .execute();
  }
}

export interface StartSendingProps {
  readonly manager: EntityManager;
  readonly id: number;
  /** The version the click was made against; omitted by jobs. */
  readonly version?: number;
  /** The statuses it may be sent from (jobs: only `scheduled`, or only `draft` for the weekly push). */
  readonly from: readonly ArticleStatus[];
  readonly now: Date;
  readonly links: BroadcastLinkOptions;
}

/**
 * Starts sending an article (see the module comment). VALIDATION_FAILED when it is not ready or its
 * audience reaches nobody (key broadcast.error.audienceEmpty); ILLEGAL_TRANSITION when it is no longer in
 * one of `from` (already sent by someone else); CONFLICT when it changed since `version`.
 */
export async function startSendingArticle(props: StartSendingProps): Promise<SendStarted> {
  const { manager, now, links } = props;
  const current = await loadArticle(manager, props.id);
  expectState(current, props.version, props.from);
  const problems = readinessProblems(current);
  if (problems.length > 0) throw invalidArticle(problems);
  linkBase(links);
  // The guard: only one caller moves it out of its status; a concurrent one waits for this row and
  // then finds nothing to update (CONFLICT), rolling back its whole transaction.
  const article = await guardedArticleUpdate(manager, current, { status: 'sending', sentAt: now }, now);
  const members = await resolveAudience(manager, effectiveAudience(article));
  if (members.length === 0)
    throw invalidArticle([{ field: 'audience', key: 'broadcast.error.audienceEmpty' }]);
  const batches = cutBatches(members.map((member) => ({ ...member, language: localeOf(member.language) })));
  await insertRecipients(manager, article.id, batches);
  const data = await cardData(manager, article, links, now);
  const urgency = article.isUrgent ? 'urgent' : 'normal';
  for (let batch = 0; batch < batches.length; batch += 1) {
    await enqueue(manager, {
      channel: 'wecom',
      to: { batch: articleBatchRef(article.id, batch) },
      template: articleCardTemplate.key,
      data,
      dedupeKey: `broadcast:${article.id}:${batch}`,
      urgency,
      now,
    });
  }
  if (article.kind === 'outage') {
    for (const group of article.smsGroups) {
      await enqueue(manager, {
        channel: 'sms',
        to: { group },
        template: outageSmsTemplate.key,
        data: { title: article.title, summary: data.summary },
        dedupeKey: `broadcast:${article.id}:sms:${group}`,
        urgency: 'urgent',
        now,
      });
    }
  }
  await manager.update(Article, { id: article.id }, { recipientCount: members.length });
  return {
    article: await manager.findOneByOrFail(Article, { id: article.id }),
    recipients: members.length,
    batches: batches.length,
    smsGroups: article.kind === 'outage' ? article.smsGroups.length : 0,
  };
}

export interface SendArticleNowProps {
  readonly manager: EntityManager;
  readonly id: number;
  readonly version: number;
  readonly now: Date;
  readonly links: BroadcastLinkOptions;
}

/** Sends a draft, scheduled or cancelled article now (see {@link startSendingArticle} for errors). */
export function sendArticleNow(props: SendArticleNowProps): Promise<SendStarted> {
  return startSendingArticle({ ...props, from: EDITABLE_STATUSES });
}

export interface RemindUnreadProps {
  readonly manager: EntityManager;
  readonly id: number;
  readonly now: Date;
  readonly links: BroadcastLinkOptions;
}

/**
 * Reminds the recipients of an urgent article who received it but have not opened it (and are still
 * active and bound): one reminder round, its members frozen in article_reminder rows, sent in batches like
 * the article and never held for quiet hours; each person's remindedAt is set once WeCom accepts their
 * batch. ILLEGAL_TRANSITION for an article that is not urgent or not sent; RATE_LIMITED within
 * {@link REMINDER_MIN_INTERVAL_MS} of the previous round.
 */
export async function remindUnreadRecipients(props: RemindUnreadProps): Promise<ReminderSent> {
  const { manager, now, links } = props;
  const article = await loadArticle(manager, props.id);
  if (!article.isUrgent)
    throw new AppError(
      'ILLEGAL_TRANSITION',
      `article ${article.id} is not urgent: only urgent ones are reminded`,
    );
  expectState(article, undefined, ['sending', 'sent']);
  if (article.lastRemindedAt && now.getTime() - article.lastRemindedAt.getTime() < REMINDER_MIN_INTERVAL_MS)
    throw new AppError('RATE_LIMITED', `article ${article.id} was reminded less than 5 minutes ago`);
  linkBase(links);
  const unread = await manager
    .createQueryBuilder(ArticleRecipient, 'r')
    .innerJoin(Staff, 's', 's.id = r.staff_id')
    .select('r.id', 'id')
    .addSelect('r.wecom_user_id', 'wecomUserId')
    .addSelect('r.locale', 'language')
    .where('r.article_id = :articleId', { articleId: article.id })
    .andWhere('r.read_at IS NULL')
    .andWhere("r.delivery_status = 'delivered'")
    .andWhere('s.is_active = :active', { active: true })
    .andWhere('s.wecom_user_id IS NOT NULL')
    .orderBy('r.locale', 'ASC')
    .addOrderBy('r.id', 'ASC')
    .getRawMany<{ id: number | string; wecomUserId: string; language: string }>();
  if (unread.length === 0) return { article, round: article.reminderRounds, reminded: 0, batches: 0 };
  const round = article.reminderRounds + 1;
  const claimed = await manager.update(
    Article,
    { id: article.id, reminderRounds: article.reminderRounds },
    { reminderRounds: round, lastRemindedAt: now, updatedAt: now },
  );
  if (claimed.affected !== 1) throw new AppError('CONFLICT', `article ${article.id} was reminded meanwhile`);
  const batches = cutBatches(unread);
  const rows = batches.flatMap((members, batch) =>
    members.map((member) => ({
      articleId: article.id,
      round,
      batch,
      recipientId: Number(member.id),
      wecomUserId: member.wecomUserId,
      locale: member.language,
    })),
  );
  for (let start = 0; start < rows.length; start += INSERT_CHUNK)
    await manager
      .createQueryBuilder()
      .insert()
      .into(ArticleReminder)
      .values(rows.slice(start, start + INSERT_CHUNK))
      .updateEntity(false)
      .execute();
  const data = await cardData(manager, article, links, now);
  for (let batch = 0; batch < batches.length; batch += 1) {
    await enqueue(manager, {
      channel: 'wecom',
      to: { batch: reminderBatchRef(article.id, round, batch) },
      template: articleReminderTemplate.key,
      data,
      dedupeKey: `broadcast:${article.id}:remind:${round}:${batch}`,
      urgency: 'urgent',
      now,
    });
  }
  return {
    article: await manager.findOneByOrFail(Article, { id: article.id }),
    round,
    reminded: unread.length,
    batches: batches.length,
  };
}

export type ReadOutcome = 'recorded' | 'already' | 'not-recipient';

export interface MarkArticleReadProps {
  readonly manager: EntityManager;
  readonly articleId: number;
  /** Who opened it: a staff id, or the UserID WeCom's OAuth named. */
  readonly reader: { readonly staffId: number } | { readonly wecomUserId: string };
  readonly now: Date;
}

/**
 * Records that a recipient opened the article — once: opening it again keeps the first time. Someone
 * the article was not sent to (a forwarded link) is `not-recipient` and nothing is written.
 */
export async function markArticleRead(props: MarkArticleReadProps): Promise<ReadOutcome> {
  const { manager } = props;
  const staffId =
    'staffId' in props.reader
      ? props.reader.staffId
      : (await manager.findOneBy(Staff, { wecomUserId: props.reader.wecomUserId }))?.id;
  if (staffId === undefined) return 'not-recipient';
  const row = await manager.findOneBy(ArticleRecipient, { articleId: props.articleId, staffId });
  if (!row) return 'not-recipient';
  if (row.readAt) return 'already';
  const result = await manager
    .createQueryBuilder()
    .update(ArticleRecipient)
    .set({ readAt: props.now })
    .where('id = :id', { id: row.id })
    .andWhere('read_at IS NULL')
    .execute();
  return result.affected === 1 ? 'recorded' : 'already';
}
