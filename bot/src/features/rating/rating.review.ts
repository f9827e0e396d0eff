/**
 * The managers' review of ratings: per person and per department, the average, count, distribution of
 * stars, response rate, trend and most-given tags, over the tickets archived in a period. Nothing here
 * names a rater: the figures are about ratees only, and a person's own view is held back until enough
 * ratings exist that no single rating can be picked out.
 */
import { And, LessThan, MoreThanOrEqual, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { t, type Locale } from '../../i18n';
import { countBy } from '../../statistics';
import { excelCsv, spreadsheetSafe } from '../staff';
import { isoWeek, localMonth, localMonthRange, previousLocalMonth } from '../../zoned-time';
import { readSetting } from '../settings';
import { RatingTask, type RatingSide } from './rating-task.entity';
import { ratingExpirySetting, ratingScheduleSetting } from './rating.settings';

/** A person's own figures are shown only once they rest on at least this many ratings. */
export const MIN_RATINGS_SHOWN = 3;
/** How many of the most-given tags an aggregate lists. */
const TOP_TAGS = 5;

export type TrendGranularity = 'week' | 'month';

export interface RatingAggregate {
  /** Ratings given (tasks rated with stars). */
  readonly count: number;
  /** Mean stars of those ratings, unrounded; null with none. */
  readonly average: number | null;
  /** How many ratings gave 1, 2, 3, 4 and 5 stars (index 0 is 1 star). */
  readonly distribution: readonly [number, number, number, number, number];
  /**
   * Tasks whose outcome is known at `now`: rated, expired, or still pending past their expiry (the
   * expiry job may not have run yet). Pending tasks not yet due are left out: they may still be rated.
   */
  readonly due: number;
  /** count ÷ due, 0..1; null when nothing is due. */
  readonly responseRate: number | null;
  /** The most-given tags, most frequent first (ties by name). */
  readonly topTags: ReadonlyArray<readonly [string, number]>;
  /** Per week (`2026-W40`) or month (`2026-10`) of archiving, oldest first: ratings and their average. */
  readonly trend: ReadonlyArray<{
    readonly period: string;
    readonly count: number;
    readonly average: number;
  }>;
}

export interface RatingReviewFilter {
  /** Tickets archived in [from, to). */
  readonly from: Date;
  readonly to: Date;
  /** The role the ratee acted in: 1 engineer, 2 desk, 3 department. */
  readonly side?: RatingSide;
  readonly departmentId?: number;
  readonly rateeStaffId?: number;
}

function periodOf(at: Date, granularity: TrendGranularity, timeZone: string): string {
  return granularity === 'week' ? isoWeek(at, timeZone) : localMonth(at, timeZone);
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;

/** The figures over a set of tasks (already filtered), as seen at `now`. */
function ratingAggregate(
  tasks: readonly RatingTask[],
  options: { readonly now: Date; readonly timeZone: string; readonly granularity: TrendGranularity },
): RatingAggregate {
  const rated = tasks.filter((task) => task.status === 'rated' && task.stars !== null);
  const stars = rated.map((task) => task.stars ?? 0);
  const countOf = (value: number) => stars.filter((given) => given === value).length;
  const distribution = [countOf(1), countOf(2), countOf(3), countOf(4), countOf(5)] as const;
  const due = tasks.filter(
    (task) => task.status !== 'pending' || task.expiresAt.getTime() <= options.now.getTime(),
  ).length;
  const topTags = countBy(
    rated.flatMap((task) => task.tags),
    (tag) => tag,
  )
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOP_TAGS);
  const buckets = new Map<string, number[]>();
  for (const task of rated) {
    const period = periodOf(task.ticketArchivedAt, options.granularity, options.timeZone);
    const bucket = buckets.get(period) ?? [];
    bucket.push(task.stars ?? 0);
    buckets.set(period, bucket);
  }
  return {
    count: rated.length,
    average: mean(stars),
    distribution,
    due,
    responseRate: due === 0 ? null : rated.length / due,
    topTags,
    trend: [...buckets]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([period, values]) => ({ period, count: values.length, average: mean(values) ?? 0 })),
  };
}

/** The rating tasks of tickets archived in the filter's period, narrowed by side, department or ratee. */
export async function ratingTasksFor(
  manager: EntityManager,
  filter: RatingReviewFilter,
): Promise<RatingTask[]> {
  const where: FindOptionsWhere<RatingTask> = {
    ticketArchivedAt: And(MoreThanOrEqual(filter.from), LessThan(filter.to)),
    ...(filter.side === undefined ? {} : { rateeSide: filter.side }),
    ...(filter.departmentId === undefined ? {} : { rateeDepartmentId: filter.departmentId }),
    ...(filter.rateeStaffId === undefined ? {} : { rateeStaffId: filter.rateeStaffId }),
  };
  return manager.find(RatingTask, { where, order: { id: 'ASC' } });
}

export interface RatingReview {
  readonly overall: RatingAggregate;
  /** Per ratee, most ratings first. */
  readonly people: ReadonlyArray<{ readonly staffId: number; readonly aggregate: RatingAggregate }>;
  /** Per ratee department (the department when the task was made), most ratings first. */
  readonly departments: ReadonlyArray<{ readonly departmentId: number; readonly aggregate: RatingAggregate }>;
}

function groupBy<K>(tasks: readonly RatingTask[], key: (task: RatingTask) => K | null): Map<K, RatingTask[]> {
  const groups = new Map<K, RatingTask[]>();
  for (const task of tasks) {
    const value = key(task);
    if (value === null) continue;
    const group = groups.get(value) ?? [];
    group.push(task);
    groups.set(value, group);
  }
  return groups;
}

/** The managers' review: overall, per person and per department, for the filter's period. */
export async function ratingReview(
  manager: EntityManager,
  filter: RatingReviewFilter & {
    readonly now: Date;
    readonly timeZone: string;
    readonly granularity: TrendGranularity;
  },
): Promise<RatingReview> {
  const tasks = await ratingTasksFor(manager, filter);
  const aggregateOf = (group: readonly RatingTask[]) => ratingAggregate(group, filter);
  const byCount = (a: { aggregate: RatingAggregate }, b: { aggregate: RatingAggregate }) =>
    b.aggregate.count - a.aggregate.count;
  return {
    overall: aggregateOf(tasks),
    people: [...groupBy(tasks, (task) => task.rateeStaffId)]
      .map(([staffId, group]) => ({ staffId, aggregate: aggregateOf(group) }))
      .sort((a, b) => byCount(a, b) || a.staffId - b.staffId),
    departments: [...groupBy(tasks, (task) => task.rateeDepartmentId)]
      .map(([departmentId, group]) => ({ departmentId, aggregate: aggregateOf(group) }))
      .sort((a, b) => byCount(a, b) || a.departmentId - b.departmentId),
  };
}

export interface OwnRatingSummary {
  /** The complete months looked at, oldest first; `isShown` only with enough ratings that month. */
  readonly months: ReadonlyArray<{
    readonly month: string;
    readonly count: number;
    readonly isShown: boolean;
  }>;
  /** Over the shown months only; null when no month may be shown. */
  readonly aggregate: RatingAggregate | null;
}

/**
 * What a person may see of the ratings they received. Anonymity: raters must not be identifiable, and a
 * ratee knows which tickets they handled, so figures are given only (1) over complete months — a running
 * month would reveal each new rating as the average moves; (2) for months with at least
 * {@link MIN_RATINGS_SHOWN} ratings; (3) summed over those months alone, so no difference between shown
 * figures isolates a hidden month; (4) for months already settled (see below). Comments and raters are
 * never part of it.
 */
export async function ownRatingSummary(
  manager: EntityManager,
  options: {
    readonly staffId: number;
    readonly now: Date;
    readonly timeZone: string;
    readonly months?: number;
  },
): Promise<OwnRatingSummary> {
  const current = localMonth(options.now, options.timeZone);
  // (4) only months nothing can change any more: tasks for a month's last tickets are made up to
  // `lookbackDays` later, stay open `expireAfterDays`, and a rating stays editable a day.
  const { lookbackDays } = (await readSetting(manager, ratingScheduleSetting)).value;
  const { expireAfterDays } = (await readSetting(manager, ratingExpirySetting)).value;
  const settleMs = (lookbackDays + expireAfterDays + 1) * 86_400_000;
  let latest = previousLocalMonth(current);
  while (localMonthRange(latest, options.timeZone).to.getTime() + settleMs > options.now.getTime())
    latest = previousLocalMonth(latest);
  const months: string[] = [];
  for (let month = latest; months.length < (options.months ?? 6); month = previousLocalMonth(month))
    months.unshift(month);
  const first = months[0] ?? current;
  const tasks = await ratingTasksFor(manager, {
    from: localMonthRange(first, options.timeZone).from,
    to: localMonthRange(latest, options.timeZone).to,
    rateeStaffId: options.staffId,
  });
  const monthOf = (task: RatingTask) => localMonth(task.ticketArchivedAt, options.timeZone);
  const rows = months.map((month) => {
    const count = tasks.filter(
      (task) => monthOf(task) === month && task.status === 'rated' && task.stars !== null,
    ).length;
    return { month, count, isShown: count >= MIN_RATINGS_SHOWN };
  });
  const shown = new Set(rows.filter((row) => row.isShown).map((row) => row.month));
  return {
    months: rows,
    aggregate:
      shown.size === 0
        ? null
        : ratingAggregate(
            tasks.filter((task) => shown.has(monthOf(task))),
            { now: options.now, timeZone: options.timeZone, granularity: 'month' },
          ),
  };
}

/**
 * The review's per-person figures as CSV for Excel (UTF-8 with BOM): one row per ratee, no raters.
 * `person` names a ratee (name, staff number, department); rates are percentages.
 */
export function ratingReviewCsv(
  review: RatingReview,
  options: {
    readonly locale: Locale;
    readonly person: (staffId: number) => { name: string; staffNo: string; department: string };
  },
): string {
  const { locale } = options;
  const header = [
    t(locale, 'rating.sheet.staffNo'),
    t(locale, 'rating.sheet.name'),
    t(locale, 'rating.sheet.department'),
    t(locale, 'web.rating.count'),
    t(locale, 'web.rating.average'),
    ...[1, 2, 3, 4, 5].map((stars) => t(locale, 'web.rating.stars', { stars })),
    t(locale, 'web.rating.due'),
    t(locale, 'web.rating.responseRate'),
    t(locale, 'web.rating.topTags'),
  ];
  const rows = review.people.map(({ staffId, aggregate }) => {
    const person = options.person(staffId);
    return [
      spreadsheetSafe(person.staffNo),
      spreadsheetSafe(person.name),
      spreadsheetSafe(person.department),
      String(aggregate.count),
      aggregate.average === null ? '' : aggregate.average.toFixed(2),
      ...aggregate.distribution.map(String),
      String(aggregate.due),
      aggregate.responseRate === null ? '' : (aggregate.responseRate * 100).toFixed(1),
      spreadsheetSafe(aggregate.topTags.map(([tag, count]) => `${tag}(${count})`).join(' ')),
    ];
  });
  return excelCsv([header, ...rows]);
}
