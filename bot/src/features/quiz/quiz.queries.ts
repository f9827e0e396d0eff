import { In, MoreThanOrEqual, type EntityManager } from 'typeorm';
import { localDay, zonedInstant } from '../../zoned-time';
import { QuizAttempt, type QuizAttemptQuestion } from './quiz-attempt.entity';
import { QuizLevel } from './quiz-level.entity';
import { QuizQuestion } from './quiz-question.entity';

/** All levels in play order. */
export function listQuizLevels(manager: EntityManager): Promise<QuizLevel[]> {
  return manager.find(QuizLevel, { order: { sortOrder: 'ASC', id: 'ASC' } });
}

/**
 * The person's current level: the first, in order, they have not passed. `undefined` when every level is
 * passed; `levels` is empty when the bank has none.
 */
export async function currentQuizLevel(
  manager: EntityManager,
  staffId: number,
): Promise<{ level: QuizLevel | undefined; levels: QuizLevel[] }> {
  const levels = await listQuizLevels(manager);
  const passed = await manager.find(QuizAttempt, {
    where: { staffId, status: 'passed' },
    select: { id: true, levelId: true },
  });
  const passedIds = new Set(passed.map((attempt) => attempt.levelId));
  return { level: levels.find((level) => !passedIds.has(level.id)), levels };
}

/** Attempts at a level the person started on the local day of `now` (every status counts). */
export function attemptsToday(props: {
  readonly manager: EntityManager;
  readonly staffId: number;
  readonly levelId: number;
  readonly now: Date;
  readonly timeZone: string;
}): Promise<number> {
  const dayStart = zonedInstant(localDay(props.now, props.timeZone), 0, props.timeZone);
  return props.manager.count(QuizAttempt, {
    where: { staffId: props.staffId, levelId: props.levelId, startedAt: MoreThanOrEqual(dayStart) },
  });
}

/** The active questions of a level. */
export function activeQuestions(manager: EntityManager, levelId: number): Promise<QuizQuestion[]> {
  return manager.find(QuizQuestion, { where: { levelId, isActive: true }, order: { id: 'ASC' } });
}

/** An attempt by id, or null. */
export function findQuizAttempt(manager: EntityManager, id: number): Promise<QuizAttempt | null> {
  return Number.isSafeInteger(id) ? manager.findOneBy(QuizAttempt, { id }) : Promise.resolve(null);
}

/**
 * The attempt's questions as it shows and judges them, in order: the copies taken when it started. An
 * attempt started before copies were kept falls back to the bank's questions as they are now (and to
 * fewer than drawn if one is gone, which its caller treats as the attempt being over).
 */
export async function attemptQuestions(
  manager: EntityManager,
  attempt: QuizAttempt,
): Promise<readonly QuizAttemptQuestion[]> {
  if (attempt.questions) return attempt.questions;
  const ids = attempt.questionIds;
  if (ids.length === 0) return [];
  const found = await manager.findBy(QuizQuestion, { id: In([...ids]) });
  const byId = new Map(found.map((question) => [question.id, question]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
