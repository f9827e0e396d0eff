/** Reads for the web (lists with sent/read counts, detail, unread recipients) and the bot's lists. */
import { In, type EntityManager } from 'typeorm';
import { Department, Staff } from '../staff';
import { Article, type ArticleKind, type ArticleStatus } from './article.entity';
import { ArticleRecipient, type DeliveryStatus } from './article-recipient.entity';
import { audienceIncludes, groupKeysOf } from './broadcast.audience';
import { effectiveAudience } from './broadcast.schema';
import { TrainingVideo } from './training-video.entity';

export interface ArticleCounts {
  /** People it was sent to. */
  readonly recipients: number;
  /** WeCom accepted it for them. */
  readonly delivered: number;
  /** Not delivered: refused by WeCom, deactivated/unbound meanwhile, or the batch gave up. */
  readonly undelivered: number;
  /** Still waiting in the outbox. */
  readonly queued: number;
  readonly read: number;
  /** Reminded at least once. */
  readonly reminded: number;
}

export interface ArticleListItem {
  readonly article: Article;
  readonly counts: ArticleCounts;
}

export interface ArticleListFilter {
  readonly kinds?: readonly ArticleKind[];
  readonly statuses?: readonly ArticleStatus[];
  /** Matches the title (substring). */
  readonly text?: string;
  readonly limit?: number;
  readonly offset?: number;
}

const ZERO: ArticleCounts = { recipients: 0, delivered: 0, undelivered: 0, queued: 0, read: 0, reminded: 0 };

/** Sent/read counts of these articles, by id (articles never sent have zeros). */
async function articleCounts(
  manager: EntityManager,
  articleIds: readonly number[],
): Promise<Map<number, ArticleCounts>> {
  const counts = new Map<number, ArticleCounts>(articleIds.map((id) => [id, ZERO]));
  if (articleIds.length === 0) return counts;
  const rows = await manager
    .createQueryBuilder(ArticleRecipient, 'r')
    .select('r.article_id', 'articleId')
    .addSelect('r.delivery_status', 'status')
    .addSelect('COUNT(*)', 'total')
    .addSelect('SUM(CASE WHEN r.read_at IS NULL THEN 0 ELSE 1 END)', 'read')
    .addSelect('SUM(CASE WHEN r.reminded_at IS NULL THEN 0 ELSE 1 END)', 'reminded')
    .where('r.article_id IN (:...ids)', { ids: [...articleIds] })
    .groupBy('r.article_id')
    .addGroupBy('r.delivery_status')
    .getRawMany<{
      articleId: number | string;
      status: DeliveryStatus;
      total: string | number;
      read: string | number;
      reminded: string | number;
    }>();
  for (const row of rows) {
    const id = Number(row.articleId);
    const previous = counts.get(id) ?? ZERO;
    const total = Number(row.total);
    counts.set(id, {
      recipients: previous.recipients + total,
      delivered: previous.delivered + (row.status === 'delivered' ? total : 0),
      undelivered: previous.undelivered + (row.status === 'delivered' || row.status === 'queued' ? 0 : total),
      queued: previous.queued + (row.status === 'queued' ? total : 0),
      read: previous.read + Number(row.read),
      reminded: previous.reminded + Number(row.reminded),
    });
  }
  return counts;
}

/** Articles newest first (by last change), with their counts. */
export async function listArticles(
  manager: EntityManager,
  filter: ArticleListFilter = {},
): Promise<ArticleListItem[]> {
  const query = manager
    .createQueryBuilder(Article, 'a')
    .orderBy('a.updated_at', 'DESC')
    .addOrderBy('a.id', 'DESC')
    .limit(Math.min(Math.max(filter.limit ?? 50, 1), 200))
    .offset(Math.max(filter.offset ?? 0, 0));
  if (filter.kinds && filter.kinds.length > 0)
    query.andWhere('a.kind IN (:...kinds)', { kinds: filter.kinds });
  if (filter.statuses && filter.statuses.length > 0)
    query.andWhere('a.status IN (:...statuses)', { statuses: filter.statuses });
  const text = filter.text?.trim();
  // `!` as the LIKE escape: a backslash would need different quoting in SQLite and MySQL.
  if (text) query.andWhere("a.title LIKE :text ESCAPE '!'", { text: `%${text.replace(/[!%_]/g, '!$&')}%` });
  const articles = await query.getMany();
  const counts = await articleCounts(
    manager,
    articles.map((article) => article.id),
  );
  return articles.map((article) => ({ article, counts: counts.get(article.id) ?? ZERO }));
}

export function findArticle(manager: EntityManager, id: number): Promise<Article | null> {
  return manager.findOneBy(Article, { id });
}

export interface ArticleDetail {
  readonly article: Article;
  readonly counts: ArticleCounts;
  readonly author: Staff | null;
}

/** One article with its counts and author; null if there is no such article. */
export async function articleDetail(manager: EntityManager, id: number): Promise<ArticleDetail | null> {
  const article = await findArticle(manager, id);
  if (!article) return null;
  const counts = (await articleCounts(manager, [id])).get(id) ?? ZERO;
  const author = await manager.findOneBy(Staff, { id: article.authorId });
  return { article, counts, author };
}

export interface UnreadRecipient {
  readonly staffId: number;
  readonly staffNo: string;
  readonly name: string;
  readonly department: string | null;
  readonly phone: string | null;
  readonly deliveryStatus: DeliveryStatus;
  readonly remindedAt: Date | null;
}

/**
 * Who has not opened an article yet (delivered or not), by staff number; at most `limit` (default 500).
 */
export async function listUnreadRecipients(
  manager: EntityManager,
  articleId: number,
  options: { readonly limit?: number } = {},
): Promise<UnreadRecipient[]> {
  const rows = await manager
    .createQueryBuilder(ArticleRecipient, 'r')
    .innerJoin(Staff, 's', 's.id = r.staff_id')
    .leftJoin(Department, 'd', 'd.id = s.department_id')
    .select('s.id', 'staffId')
    .addSelect('s.staff_no', 'staffNo')
    .addSelect('s.name', 'name')
    .addSelect('s.phone', 'phone')
    .addSelect('d.name', 'department')
    .addSelect('r.delivery_status', 'deliveryStatus')
    .addSelect('r.reminded_at', 'remindedAt')
    .where('r.article_id = :articleId', { articleId })
    .andWhere('r.read_at IS NULL')
    .orderBy('s.staff_no', 'ASC')
    .limit(Math.min(Math.max(options.limit ?? 500, 1), 5000))
    .getRawMany<{
      staffId: number | string;
      staffNo: string;
      name: string;
      phone: string | null;
      department: string | null;
      deliveryStatus: DeliveryStatus;
      remindedAt: Date | string | null;
    }>();
  return rows.map((row) => ({
    staffId: Number(row.staffId),
    staffNo: row.staffNo,
    name: row.name,
    phone: row.phone,
    department: row.department,
    deliveryStatus: row.deliveryStatus,
    remindedAt: row.remindedAt === null ? null : toDate(row.remindedAt),
  }));
}

/** Raw selects return SQLite datetimes as text (UTC) and MySQL's as Date. */
function toDate(value: Date | string): Date {
  if (value instanceof Date) return value;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

/** What a news list item needs of an article: no full body (an excerpt of its start is enough). */
export type ArticleListing = Pick<
  Article,
  'id' | 'kind' | 'title' | 'summary' | 'coverKey' | 'audience' | 'sentAt'
> & {
  /** The first {@link EXCERPT_SOURCE_CHARS} characters of the body (for a card without a summary). */
  readonly bodyStart: string;
};

/** Enough of a body's start to cut a card's plain-text excerpt from. */
const EXCERPT_SOURCE_CHARS = 600;
/** Sent articles looked at per request (the newest; older ones are not listed by the bot). */
const RECENT_CANDIDATES = 100;

/**
 * Sent articles of these kinds that a person may read, newest first: those sent to them, and those whose
 * audience includes them now (someone bound after a notice went out to everyone still finds it). Reads
 * only the columns a list needs, with "sent to them" joined in SQL.
 */
export async function recentArticlesFor(
  manager: EntityManager,
  staff: Pick<Staff, 'id' | 'role' | 'departmentId'>,
  kinds: readonly ArticleKind[],
  limit = 8,
): Promise<ArticleListing[]> {
  const { entities, raw } = await manager
    .createQueryBuilder(Article, 'a')
    .leftJoin(ArticleRecipient, 'r', 'r.article_id = a.id AND r.staff_id = :staffId', { staffId: staff.id })
    .select(['a.id', 'a.kind', 'a.title', 'a.summary', 'a.coverKey', 'a.audience', 'a.sentAt'])
    .addSelect(`SUBSTR(a.body, 1, ${EXCERPT_SOURCE_CHARS})`, 'body_start')
    .addSelect('r.id', 'recipient_id')
    .where('a.kind IN (:...kinds)', { kinds: [...kinds] })
    .andWhere("a.status IN ('sending', 'sent')")
    .orderBy('a.sent_at', 'DESC')
    .addOrderBy('a.id', 'DESC')
    .limit(RECENT_CANDIDATES)
    .getRawAndEntities<{ body_start: string | null; recipient_id: number | string | null }>();
  if (entities.length === 0) return [];
  const groups = await groupKeysOf(manager, staff.id);
  // At most one recipient row per article and person (uq_article_recipient): rows and entities align.
  return entities
    .map((article, index) => ({
      article,
      bodyStart: raw[index]?.body_start ?? '',
      received: (raw[index]?.recipient_id ?? null) !== null,
    }))
    .filter(
      ({ article, received }) => received || audienceIncludes(effectiveAudience(article), staff, groups),
    )
    .slice(0, limit)
    .map(({ article, bodyStart }) => ({
      id: article.id,
      kind: article.kind,
      title: article.title,
      summary: article.summary,
      coverKey: article.coverKey,
      audience: article.audience,
      sentAt: article.sentAt,
      bodyStart,
    }));
}

/** Active training videos in their order (what `视频` lists). */
export function listActiveVideos(manager: EntityManager): Promise<TrainingVideo[]> {
  return manager.find(TrainingVideo, { where: { isActive: true }, order: { sortOrder: 'ASC', id: 'ASC' } });
}

/** Every training video (the web's list): active first, each group in its order. */
export function listVideos(manager: EntityManager): Promise<TrainingVideo[]> {
  return manager.find(TrainingVideo, { order: { isActive: 'DESC', sortOrder: 'ASC', id: 'ASC' } });
}

export function findVideo(manager: EntityManager, id: number): Promise<TrainingVideo | null> {
  return manager.findOneBy(TrainingVideo, { id });
}

/** Best cases marked for an ISO week (any status but cancelled). */
export function bestCasesForWeek(manager: EntityManager, week: string): Promise<Article[]> {
  return manager.find(Article, {
    where: { kind: 'best-case', featuredWeek: week, status: In(['draft', 'scheduled', 'sending', 'sent']) },
    order: { id: 'ASC' },
  });
}
