import type { EntityManager } from 'typeorm';
import { Staff } from '../staff';
import { PointsEntry } from './points-entry.entity';

/** A person's standing: total points and competition rank (1 = most; ties share a rank). */
export interface PointsStanding {
  readonly total: number;
  readonly overallRank: number;
  readonly overallCount: number;
  /** Null when the person has no department. */
  readonly departmentRank: number | null;
  readonly departmentCount: number;
}

/** Every active person's total (0 for people without entries), with their department. */
async function totals(
  manager: EntityManager,
): Promise<{ staffId: number; departmentId: number | null; total: number }[]> {
  const sums = await manager
    .createQueryBuilder(PointsEntry, 'entry')
    .select('entry.staffId', 'staffId')
    .addSelect('SUM(entry.points)', 'total')
    .groupBy('entry.staffId')
    .getRawMany<{ staffId: number | string; total: number | string }>();
  const byStaff = new Map(sums.map((row) => [Number(row.staffId), Number(row.total)]));
  const people = await manager.find(Staff, {
    where: { isActive: true },
    select: { id: true, departmentId: true },
  });
  return people.map((person) => ({
    staffId: person.id,
    departmentId: person.departmentId,
    total: byStaff.get(person.id) ?? 0,
  }));
}

const rankOf = (total: number, all: readonly { total: number }[]) =>
  1 + all.filter((other) => other.total > total).length;

/** Total points and rank overall and within the department, among active staff. */
export async function pointsStanding(manager: EntityManager, staffId: number): Promise<PointsStanding> {
  const all = await totals(manager);
  const own = all.find((row) => row.staffId === staffId);
  const total = own?.total ?? 0;
  const departmentId = own?.departmentId ?? null;
  const colleagues = departmentId === null ? [] : all.filter((row) => row.departmentId === departmentId);
  return {
    total,
    overallRank: rankOf(total, all),
    overallCount: all.length,
    departmentRank: departmentId === null ? null : rankOf(total, colleagues),
    departmentCount: colleagues.length,
  };
}
