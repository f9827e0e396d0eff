/**
 * Reading the points ledger for rankings. 积分, the weekly leaderboard and the monthly sheet all rank the
 * same population, each over its own period (all time, the week, the month):
 *  - every active engineer — 闯关 and the leaderboard are for them, and one without points yet still
 *    has a place (last) that the count should include;
 *  - plus any other active person (tier-2, a manager, …) who has points in that period — credited for a
 *    confirmed hazard, say. Someone who is not an engineer and earned nothing is no competitor: listing
 *    them would only pad the count and the bottom of the engineers' board.
 * Deactivated people leave every ranking (their ledger rows stay, on their ledger page). Ranks are
 * competition ranks (ties share a rank, the next one skips: 1, 2, 2, 4), from {@link competitionRanks}.
 */
import type { EntityManager } from 'typeorm';
import { competitionRanks } from '../../statistics';
import { Staff, type Role } from '../staff';
import { PointsEntry, type PointsSourceType } from './points-entry.entity';

/** An active person as the rankings need them. */
export interface PointsPerson {
  readonly id: number;
  readonly staffNo: string;
  readonly name: string;
  readonly role: Role;
  readonly departmentId: number | null;
}

/** A person's points in a period: the total, and the part from each kind of source. */
export interface PointsSum {
  readonly total: number;
  readonly bySource: Readonly<Partial<Record<PointsSourceType, number>>>;
}

/** A ranked person with their points in the period and their rank among the population. */
export interface RankedPerson<P extends PointsPerson = PointsPerson> {
  readonly person: P;
  readonly points: number;
  readonly rank: number;
}

/** Every active person, by id. */
export function activePeople(manager: EntityManager): Promise<PointsPerson[]> {
  return manager.find(Staff, {
    where: { isActive: true },
    select: { id: true, staffNo: true, name: true, role: true, departmentId: true },
    order: { id: 'ASC' },
  });
}

/** Whether a person with `points` in the period belongs to its ranking (see the module comment). */
export function isRanked(person: Pick<PointsPerson, 'role'>, points: number): boolean {
  return person.role === 'engineer' || points !== 0;
}

/** Each person's points from ledger rows created in `range` ([from, to)), or in all time without one. */
export async function ledgerSums(
  manager: EntityManager,
  range?: { readonly from: Date; readonly to: Date },
): Promise<Map<number, PointsSum>> {
  const query = manager
    .createQueryBuilder(PointsEntry, 'entry')
    .select('entry.staffId', 'staffId')
    .addSelect('entry.sourceType', 'sourceType')
    .addSelect('SUM(entry.points)', 'points')
    .groupBy('entry.staffId')
    .addGroupBy('entry.sourceType');
  if (range) query.where('entry.created_at >= :from AND entry.created_at < :to', range);
  const rows = await query.getRawMany<{
    staffId: number | string;
    sourceType: PointsSourceType;
    points: number | string;
  }>();
  const sums = new Map<number, { total: number; bySource: Partial<Record<PointsSourceType, number>> }>();
  for (const row of rows) {
    const staffId = Number(row.staffId);
    const points = Number(row.points);
    const sum = sums.get(staffId) ?? { total: 0, bySource: {} };
    sum.total += points;
    sum.bySource[row.sourceType] = (sum.bySource[row.sourceType] ?? 0) + points;
    sums.set(staffId, sum);
  }
  return sums;
}

/**
 * The population of `people` ranked by `pointsOf` (their points in the period), in the order given;
 * `include` adds someone outside it (a person asking for their own standing).
 */
export function rankPeople<P extends PointsPerson>(
  people: readonly P[],
  pointsOf: (person: P) => number,
  include?: number,
): RankedPerson<P>[] {
  const ranked = people
    .map((person) => ({ person, points: pointsOf(person) }))
    .filter(({ person, points }) => isRanked(person, points) || person.id === include);
  const ranks = competitionRanks(ranked.map(({ points }) => points));
  return ranked.map((entry) => ({ ...entry, rank: ranks.get(entry.points) ?? ranked.length }));
}

/** A person's standing: total points and rank (1 = most; ties share a rank). */
export interface PointsStanding {
  readonly total: number;
  readonly overallRank: number;
  readonly overallCount: number;
  /** Null when the person has no department. */
  readonly departmentRank: number | null;
  readonly departmentCount: number;
}

/**
 * Total points and rank overall and within the department (积分), over all time. The person asking is
 * ranked even if outside the population (a tier-2 member without points sees where 0 stands).
 */
export async function pointsStanding(manager: EntityManager, staffId: number): Promise<PointsStanding> {
  const [people, sums] = await Promise.all([activePeople(manager), ledgerSums(manager)]);
  const totalOf = (person: PointsPerson) => sums.get(person.id)?.total ?? 0;
  const overall = rankPeople(people, totalOf, staffId);
  const own = overall.find((entry) => entry.person.id === staffId);
  const departmentId = own?.person.departmentId ?? null;
  const colleagues =
    departmentId === null
      ? []
      : rankPeople(
          overall.map((entry) => entry.person).filter((person) => person.departmentId === departmentId),
          totalOf,
          staffId,
        );
  return {
    total: own?.points ?? 0,
    overallRank: own?.rank ?? overall.length + 1,
    overallCount: overall.length,
    departmentRank:
      departmentId === null ? null : (colleagues.find((entry) => entry.person.id === staffId)?.rank ?? null),
    departmentCount: colleagues.length,
  };
}
