/**
 * Monthly points for the evaluation (积分月度汇总): per person, the points the ledger credited in a local
 * month (TZ), split into quiz points and report points, with the total and the rank. Computed from the
 * ledger rows alone — never from a stored total — so it always agrees with the rows a person's ledger
 * page lists. The people are the rankings' population (points.queries.ts): active engineers, those
 * without points that month listed with 0 so nobody goes missing from the evaluation, and anyone else
 * active who earned points that month.
 */
import { And, In, LessThan, MoreThanOrEqual, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { localMonthRange } from '../../zoned-time';
import { listDepartments } from '../staff';
import { PointsEntry, type PointsSourceType } from './points-entry.entity';
import { activePeople, ledgerSums, rankPeople } from './points.queries';
import { QuizAttempt } from './quiz-attempt.entity';
import { QuizLevel } from './quiz-level.entity';

export interface MonthlyPointsRow {
  readonly staffId: number;
  readonly staffNo: string;
  readonly name: string;
  readonly department: string;
  /** From passed quiz levels. */
  readonly quizPoints: number;
  /** From converted leads and fixed hazards. */
  readonly reportPoints: number;
  /** Every ledger row of the month (quiz, reports and any other source). */
  readonly total: number;
  /** 1 = most points; equal totals share a rank. */
  readonly rank: number;
}

export interface MonthlyPoints {
  readonly month: string;
  /** Highest total first, then by staff number. */
  readonly rows: readonly MonthlyPointsRow[];
}

/**
 * The points of `month` (`YYYY-MM`, local in `timeZone`) for everyone in the rankings' population (active
 * engineers, with 0 if they earned nothing, and anyone else active who earned points that month).
 */
export async function monthlyPoints(
  manager: EntityManager,
  options: { readonly month: string; readonly timeZone: string },
): Promise<MonthlyPoints> {
  const [sums, people, departments] = await Promise.all([
    ledgerSums(manager, localMonthRange(options.month, options.timeZone)),
    activePeople(manager),
    listDepartments(manager),
  ]);
  const departmentName = new Map(departments.map((department) => [department.id, department.name]));
  const rows = rankPeople(people, (person) => sums.get(person.id)?.total ?? 0).map(
    ({ person, points, rank }): MonthlyPointsRow => {
      const bySource = sums.get(person.id)?.bySource ?? {};
      return {
        staffId: person.id,
        staffNo: person.staffNo,
        name: person.name,
        department: person.departmentId === null ? '' : (departmentName.get(person.departmentId) ?? ''),
        quizPoints: bySource['quiz-attempt'] ?? 0,
        reportPoints: bySource.report ?? 0,
        total: points,
        rank,
      };
    },
  );
  rows.sort((a, b) => a.rank - b.rank || a.staffNo.localeCompare(b.staffNo));
  return { month: options.month, rows };
}

/** One ledger row as a person's ledger page shows it. */
export interface PointsLedgerLine {
  readonly id: number;
  readonly points: number;
  /** Why, e.g. `quiz.passed`, `report.lead.converted`. */
  readonly reasonKey: string;
  readonly sourceType: PointsSourceType;
  readonly sourceId: number;
  /** For a quiz attempt, the level it passed (null once the level is gone). */
  readonly levelName: string | null;
  readonly createdAt: Date;
}

/** A person's ledger rows, newest first; only those of `month` when given. */
export async function pointsLedger(
  manager: EntityManager,
  options: { readonly staffId: number; readonly month?: string; readonly timeZone: string },
): Promise<PointsLedgerLine[]> {
  const where: FindOptionsWhere<PointsEntry> = { staffId: options.staffId };
  if (options.month !== undefined) {
    const { from, to } = localMonthRange(options.month, options.timeZone);
    where.createdAt = And(MoreThanOrEqual(from), LessThan(to));
  }
  const entries = await manager.find(PointsEntry, { where, order: { createdAt: 'DESC', id: 'DESC' } });
  const attemptIds = entries
    .filter((entry) => entry.sourceType === 'quiz-attempt')
    .map((entry) => entry.sourceId);
  const attempts =
    attemptIds.length === 0
      ? []
      : await manager.find(QuizAttempt, {
          where: { id: In(attemptIds) },
          select: { id: true, levelId: true },
        });
  const levels =
    attempts.length === 0
      ? []
      : await manager.find(QuizLevel, {
          where: { id: In([...new Set(attempts.map((attempt) => attempt.levelId))]) },
          select: { id: true, name: true },
        });
  const levelOfAttempt = new Map(attempts.map((attempt) => [attempt.id, attempt.levelId]));
  const levelName = new Map(levels.map((level) => [level.id, level.name]));
  return entries.map((entry) => ({
    id: entry.id,
    points: entry.points,
    reasonKey: entry.reasonKey,
    sourceType: entry.sourceType,
    sourceId: entry.sourceId,
    levelName:
      entry.sourceType === 'quiz-attempt'
        ? (levelName.get(levelOfAttempt.get(entry.sourceId) ?? 0) ?? null)
        : null,
    createdAt: entry.createdAt,
  }));
}
