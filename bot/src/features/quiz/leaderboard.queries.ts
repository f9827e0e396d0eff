import type { EntityManager } from 'typeorm';
import { competitionRanks } from '../../statistics';
import { addLocalDays, isoWeek, isoWeekday, localDay, zonedInstant } from '../../zoned-time';
import { Department } from '../staff';
import { activePeople, ledgerSums, rankPeople, type PointsPerson } from './points.queries';

/** A local ISO week: Monday 00:00 to the next Monday 00:00 in TZ. */
export interface LocalWeek {
  /** `2026-W03`. */
  readonly label: string;
  /** The Monday, `YYYY-MM-DD`. */
  readonly firstDay: string;
  /** The Sunday, `YYYY-MM-DD`. */
  readonly lastDay: string;
  readonly from: Date;
  /** Exclusive. */
  readonly to: Date;
}

/** The local week that contains `at`. */
export function localWeekOf(at: Date, timeZone: string): LocalWeek {
  const today = localDay(at, timeZone);
  const firstDay = addLocalDays(today, 1 - isoWeekday(today));
  const from = zonedInstant(firstDay, 0, timeZone);
  return {
    label: isoWeek(from, timeZone),
    firstDay,
    lastDay: addLocalDays(firstDay, 6),
    from,
    to: zonedInstant(addLocalDays(firstDay, 7), 0, timeZone),
  };
}

/** The local week before `week`. */
export function previousLocalWeek(week: LocalWeek, timeZone: string): LocalWeek {
  return localWeekOf(zonedInstant(addLocalDays(week.firstDay, -7), 0, timeZone), timeZone);
}

/** One line of the leaderboard. */
export interface LeaderboardEntry {
  readonly staffId: number;
  readonly name: string;
  readonly department: string | null;
  readonly points: number;
  /** Competition rank: ties share a rank, the next rank skips (1, 2, 2, 4). */
  readonly rank: number;
}

/** Where one person stands: the week's points and rank (null without points), and the overall total. */
export interface LeaderboardStanding {
  readonly weekPoints: number;
  readonly weekRank: number | null;
  readonly total: number;
  readonly overallRank: number;
}

export interface WeeklyLeaderboard {
  readonly week: LocalWeek;
  /** Active people with points earned in the week (any role), most first (ties by name). */
  readonly ranking: readonly LeaderboardEntry[];
  /** Points earned in the week by the people ranked. */
  readonly weekPoints: number;
  /** The population of the overall rank (as in 积分: active engineers and anyone else with points). */
  readonly overallCount: number;
  /** The standing of everyone in that population (every active engineer among them). */
  readonly standings: ReadonlyMap<number, LeaderboardStanding>;
}

/**
 * The week's leaderboard from the points ledger: points of entries created within the local week, ranked
 * among those who earned any; totals and overall ranks are over the whole ledger and the population of
 * 积分 (see points.queries.ts), so the figures match what 积分 shows. Empty (and cheap) when nobody
 * earned points that week.
 */
export async function weeklyLeaderboard(manager: EntityManager, week: LocalWeek): Promise<WeeklyLeaderboard> {
  const empty = { week, ranking: [], weekPoints: 0, overallCount: 0, standings: new Map() };
  const weekly = await ledgerSums(manager, week);
  if (weekly.size === 0) return empty;
  const [people, totals, departments] = await Promise.all([
    activePeople(manager),
    ledgerSums(manager),
    manager.find(Department, { select: { id: true, name: true } }),
  ]);
  const weekPointsOf = (person: PointsPerson) => weekly.get(person.id)?.total ?? 0;
  const earners = people.filter((person) => weekPointsOf(person) > 0);
  if (earners.length === 0) return empty;
  const weekRanks = competitionRanks(earners.map(weekPointsOf));
  const departmentName = new Map(departments.map((one) => [one.id, one.name]));
  const ranking = earners
    .map((person) => {
      const points = weekPointsOf(person);
      return {
        staffId: person.id,
        name: person.name,
        department: person.departmentId === null ? null : (departmentName.get(person.departmentId) ?? null),
        points,
        rank: weekRanks.get(points) ?? earners.length,
      };
    })
    .sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name, 'zh-CN') || a.staffId - b.staffId);
  const overall = rankPeople(people, (person) => totals.get(person.id)?.total ?? 0);
  const standings = new Map<number, LeaderboardStanding>(
    overall.map(({ person, points: total, rank }) => {
      const weekPoints = weekPointsOf(person);
      return [
        person.id,
        {
          weekPoints,
          weekRank: weekPoints > 0 ? (weekRanks.get(weekPoints) ?? null) : null,
          total,
          overallRank: rank,
        },
      ];
    }),
  );
  return {
    week,
    ranking,
    weekPoints: ranking.reduce((sum, entry) => sum + entry.points, 0),
    overallCount: overall.length,
    standings,
  };
}
