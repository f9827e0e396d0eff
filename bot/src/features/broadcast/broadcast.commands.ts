/**
 * Writing articles: drafts, edits, scheduling and cancelling. Every command runs in the caller's
 * transaction; changes carry the version they were made against, so two editors saving at once cannot
 * both win (the second gets CONFLICT and nothing changes). Sending lives in broadcast.sending.ts.
 * The commands write no audit entries: the edges (web pages, CLI) audit, as for every other record.
 */
import type { EntityManager } from 'typeorm';
import { AppError } from '../../errors';
import { Article, type ArticleStatus } from './article.entity';
import { unknownAudienceParts } from './broadcast.audience';
import {
  checkArticle,
  readinessProblems,
  type ArticleInput,
  type BroadcastProblem,
} from './broadcast.schema';

/** How far ahead an article may be scheduled. */
export const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 60 * 60 * 1000;

/** Statuses in which an article can still be edited, scheduled or sent. */
export const EDITABLE_STATUSES: readonly ArticleStatus[] = ['draft', 'scheduled', 'cancelled'];

/** VALIDATION_FAILED listing every problem (details.problems: field, catalog key, params). */
export function invalidArticle(problems: readonly BroadcastProblem[]): AppError {
  return new AppError('VALIDATION_FAILED', `article: ${problems.map((p) => p.key).join(', ')}`, {
    params: { detail: [...new Set(problems.map((problem) => problem.field))].join(', ') },
    details: { problems },
  });
}

async function validated(manager: EntityManager, input: ArticleInput): Promise<ArticleInput> {
  const checked = checkArticle(input);
  if (!checked.ok) throw invalidArticle(checked.problems);
  const unknown = await unknownAudienceParts(manager, checked.value.audience, checked.value.smsGroups);
  if (unknown.length > 0) throw invalidArticle(unknown);
  return checked.value;
}

/** The article, or NOT_FOUND. */
export async function loadArticle(manager: EntityManager, id: number): Promise<Article> {
  const article = await manager.findOneBy(Article, { id });
  if (!article) throw new AppError('NOT_FOUND', `article ${id}`);
  return article;
}

/** CONFLICT unless the article is still at `version`; ILLEGAL_TRANSITION unless its status is one of `from`. */
export function expectState(
  article: Article,
  version: number | undefined,
  from: readonly ArticleStatus[],
): void {
  if (version !== undefined && article.version !== version)
    throw new AppError('CONFLICT', `article ${article.id} is at version ${article.version}, not ${version}`);
  if (!from.includes(article.status))
    throw new AppError('ILLEGAL_TRANSITION', `article ${article.id} is ${article.status}`);
}

/**
 * Writes `changes` if the article is still at its version and status (else CONFLICT), bumping the
 * version, and returns the article as stored.
 */
export async function guardedArticleUpdate(
  manager: EntityManager,
  article: Article,
  changes: Partial<Omit<Article, 'id' | 'version'>>,
  now: Date,
): Promise<Article> {
  const result = await manager.update(
    Article,
    { id: article.id, version: article.version, status: article.status },
    { ...changes, version: article.version + 1, updatedAt: now },
  );
  if (result.affected !== 1) throw new AppError('CONFLICT', `article ${article.id} changed meanwhile`);
  return manager.findOneByOrFail(Article, { id: article.id });
}

export interface SaveArticleDraftProps {
  readonly manager: EntityManager;
  readonly input: ArticleInput;
  /** The staff member writing it (tier-2 or admin). */
  readonly authorId: number;
  readonly now: Date;
}

/** The article's columns the writer sets, from checked input (lists copied, never shared). */
function writtenColumns(value: ArticleInput) {
  return {
    kind: value.kind,
    title: value.title,
    summary: value.summary,
    body: value.body,
    coverKey: value.coverKey,
    tags: [...value.tags],
    audience: value.audience,
    isUrgent: value.isUrgent,
    smsGroups: [...value.smsGroups],
    featuredWeek: value.featuredWeek,
  } satisfies Partial<Article>;
}

/** A new draft. VALIDATION_FAILED lists every problem (unknown departments and groups included). */
export async function saveArticleDraft(props: SaveArticleDraftProps): Promise<Article> {
  const { manager, now } = props;
  const value = await validated(manager, props.input);
  return manager.save(
    manager.create(Article, {
      ...writtenColumns(value),
      authorId: props.authorId,
      status: 'draft',
      scheduledAt: null,
      sentAt: null,
      recipientCount: 0,
      reminderRounds: 0,
      lastRemindedAt: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    }),
  );
}

export interface UpdateArticleProps {
  readonly manager: EntityManager;
  readonly id: number;
  /** The version the change was made against (the form's hidden field). */
  readonly version: number;
  readonly changes: Partial<ArticleInput>;
  readonly now: Date;
}

/**
 * Changes a draft, scheduled or cancelled article (its status stays; a scheduled one must still be ready
 * to send). Once sending has started the article is fixed: ILLEGAL_TRANSITION.
 */
export async function updateArticle(props: UpdateArticleProps): Promise<Article> {
  const { manager, now } = props;
  const current = await loadArticle(manager, props.id);
  expectState(current, props.version, EDITABLE_STATUSES);
  const value = await validated(manager, {
    kind: props.changes.kind ?? current.kind,
    title: props.changes.title ?? current.title,
    summary: props.changes.summary ?? current.summary,
    body: props.changes.body ?? current.body,
    coverKey: props.changes.coverKey === undefined ? current.coverKey : props.changes.coverKey,
    tags: props.changes.tags ?? current.tags,
    audience: props.changes.audience ?? current.audience,
    isUrgent: props.changes.isUrgent ?? current.isUrgent,
    smsGroups: props.changes.smsGroups ?? current.smsGroups,
    featuredWeek:
      props.changes.featuredWeek === undefined ? current.featuredWeek : props.changes.featuredWeek,
  });
  if (current.status === 'scheduled') {
    const problems = readinessProblems(value);
    if (problems.length > 0) throw invalidArticle(problems);
  }
  return guardedArticleUpdate(manager, current, writtenColumns(value), now);
}

export interface ScheduleArticleProps {
  readonly manager: EntityManager;
  readonly id: number;
  readonly version: number;
  /** When to send: in the future (and within a year). */
  readonly at: Date;
  readonly now: Date;
}

/**
 * Schedules a ready article (body and audience set) to be sent by the `broadcast-scheduled` job at `at`;
 * a scheduled article can be rescheduled. VALIDATION_FAILED (field scheduledAt) for a time not ahead.
 */
export async function scheduleArticle(props: ScheduleArticleProps): Promise<Article> {
  const { manager, now } = props;
  const current = await loadArticle(manager, props.id);
  expectState(current, props.version, EDITABLE_STATUSES);
  const problems = readinessProblems(current);
  const at = props.at.getTime();
  if (Number.isNaN(at) || at <= now.getTime() || at > now.getTime() + MAX_SCHEDULE_AHEAD_MS)
    problems.push({ field: 'scheduledAt', key: 'broadcast.error.scheduledAt' });
  if (problems.length > 0) throw invalidArticle(problems);
  return guardedArticleUpdate(manager, current, { status: 'scheduled', scheduledAt: props.at }, now);
}

export interface CancelScheduledArticleProps {
  readonly manager: EntityManager;
  readonly id: number;
  readonly version: number;
  readonly now: Date;
}

/** Stops a scheduled article from going out (it can be edited, scheduled or sent again later). */
export async function cancelScheduledArticle(props: CancelScheduledArticleProps): Promise<Article> {
  const current = await loadArticle(props.manager, props.id);
  expectState(current, props.version, ['scheduled']);
  return guardedArticleUpdate(props.manager, current, { status: 'cancelled' }, props.now);
}
