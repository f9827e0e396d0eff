import { randomInt } from 'node:crypto';
import { LessThan, type EntityManager } from 'typeorm';
import { AppError } from '../../errors';
import { QuizAttempt, type QuizAttemptQuestion, type QuizAttemptStatus } from './quiz-attempt.entity';
import type { QuizLevel } from './quiz-level.entity';
import type { QuizQuestion } from './quiz-question.entity';
import { creditPoints } from './points.commands';
import type { PointsEntry } from './points-entry.entity';

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** How an attempt left in progress ends: `expired` when idle for `idleMs` by `now`, else `abandoned`. */
const endingOf = (attempt: QuizAttempt, idleMs: number, now: Date): QuizAttemptStatus =>
  now.getTime() - attempt.updatedAt.getTime() >= idleMs ? 'expired' : 'abandoned';

/**
 * Ends the person's attempts still in progress when they start a new one (`expired` when idle for
 * `idleMs`, else `abandoned`). 取消 and switching to another command end the attempt at once (see
 * {@link abandonAttempt}); this catches one the conversation lost otherwise (its session timed out, say).
 */
export async function settleOpenAttempts(props: {
  readonly manager: EntityManager;
  readonly staffId: number;
  readonly idleMs: number;
  readonly now: Date;
}): Promise<void> {
  const open = await props.manager.find(QuizAttempt, {
    where: { staffId: props.staffId, status: 'in-progress' },
  });
  for (const attempt of open)
    await props.manager.update(
      QuizAttempt,
      { id: attempt.id, status: 'in-progress' },
      { status: endingOf(attempt, props.idleMs, props.now), finishedAt: props.now },
    );
}

/**
 * The person left the attempt (取消, or another command started): it ends now and counts as failed —
 * `abandoned`, or `expired` if it had already been idle for `idleMs`. Returns the status it ended with,
 * or null when it was not theirs or not in progress (nothing changes then).
 */
export async function abandonAttempt(props: {
  readonly manager: EntityManager;
  readonly attemptId: number;
  readonly staffId: number;
  readonly idleMs: number;
  readonly now: Date;
}): Promise<QuizAttemptStatus | null> {
  const { manager, now } = props;
  const attempt = await manager.findOneBy(QuizAttempt, { id: props.attemptId, staffId: props.staffId });
  if (!attempt || attempt.status !== 'in-progress') return null;
  const status = endingOf(attempt, props.idleMs, now);
  const result = await manager.update(
    QuizAttempt,
    { id: attempt.id, status: 'in-progress' },
    { status, finishedAt: now },
  );
  return result.affected === 1 ? status : null;
}

/**
 * Marks one attempt found idle past the limit as expired (a typed answer or click arriving before the
 * expiry job got to it). Returns false when it was no longer in progress.
 */
export async function expireAttempt(props: {
  readonly manager: EntityManager;
  readonly attemptId: number;
  readonly now: Date;
}): Promise<boolean> {
  const result = await props.manager.update(
    QuizAttempt,
    { id: props.attemptId, status: 'in-progress' },
    { status: 'expired', finishedAt: props.now },
  );
  return result.affected === 1;
}

/** Marks every attempt idle for `idleMs` as expired; returns how many. */
export async function expireIdleAttempts(props: {
  readonly manager: EntityManager;
  readonly idleMs: number;
  readonly now: Date;
}): Promise<number> {
  const cutoff = new Date(props.now.getTime() - props.idleMs);
  const stale = await props.manager.find(QuizAttempt, {
    where: { status: 'in-progress', updatedAt: LessThan(cutoff) },
    select: { id: true },
  });
  for (const attempt of stale)
    await props.manager.update(
      QuizAttempt,
      { id: attempt.id, status: 'in-progress' },
      { status: 'expired', finishedAt: props.now },
    );
  return stale.length;
}

/**
 * Starts an attempt: questions drawn at random from `questions`, each one's options shuffled, and a copy
 * of each drawn question kept with the attempt (what it shows and judges until it ends).
 */
export async function startAttempt(props: {
  readonly manager: EntityManager;
  readonly staffId: number;
  readonly level: QuizLevel;
  readonly questions: readonly QuizQuestion[];
  readonly now: Date;
}): Promise<QuizAttempt> {
  const drawn = shuffled(props.questions).slice(0, Math.max(1, props.level.questionsPerAttempt));
  return props.manager.save(
    props.manager.create(QuizAttempt, {
      staffId: props.staffId,
      levelId: props.level.id,
      questionIds: drawn.map((question) => question.id),
      questions: drawn.map((question): QuizAttemptQuestion => ({
        id: question.id,
        type: question.type,
        stem: question.stem,
        options: [...question.options],
        answer: question.answer,
        explanation: question.explanation,
      })),
      optionOrders: drawn.map((question) => shuffled(question.options.map((_, index) => index))),
      answers: [],
      currentIndex: 0,
      score: 0,
      status: 'in-progress',
      startedAt: props.now,
      updatedAt: props.now,
      finishedAt: null,
    }),
  );
}

/** The result of one answer. */
export interface AnswerOutcome {
  readonly attempt: QuizAttempt;
  readonly isCorrect: boolean;
  /** Set when this answer finished the attempt. */
  readonly finished?: {
    readonly passed: boolean;
    readonly percent: number;
    readonly credited: PointsEntry | null;
  };
}

/**
 * Records the answer to the current question (`given` already mapped to the original letters). Guarded by
 * the question index: an answer to a question already answered changes nothing (ILLEGAL_TRANSITION).
 * The last answer settles the attempt and, on a pass, credits the level's points once.
 */
export async function answerQuestion(props: {
  readonly manager: EntityManager;
  readonly attempt: QuizAttempt;
  readonly level: QuizLevel;
  /** The question as the attempt drew it. */
  readonly question: QuizAttemptQuestion;
  readonly index: number;
  readonly given: string;
  readonly now: Date;
}): Promise<AnswerOutcome> {
  const { manager, attempt, level, now } = props;
  if (attempt.status !== 'in-progress' || attempt.currentIndex !== props.index)
    throw new AppError('ILLEGAL_TRANSITION', `quiz attempt ${attempt.id} is past question ${props.index}`);
  const isCorrect = props.given === props.question.answer;
  const answers = [...attempt.answers, { given: props.given, isCorrect }];
  const score = attempt.score + (isCorrect ? 1 : 0);
  const currentIndex = attempt.currentIndex + 1;
  const total = attempt.questionIds.length;
  const isLast = currentIndex >= total;
  const percent = Math.round((score / total) * 100);
  const passed = score * 100 >= level.passPercent * total;
  const status: QuizAttemptStatus = !isLast ? 'in-progress' : passed ? 'passed' : 'failed';
  const result = await manager.update(
    QuizAttempt,
    { id: attempt.id, currentIndex: attempt.currentIndex, status: 'in-progress' },
    { answers, score, currentIndex, status, updatedAt: now, finishedAt: isLast ? now : null },
  );
  if (result.affected === 0)
    throw new AppError('ILLEGAL_TRANSITION', `quiz attempt ${attempt.id} is past question ${props.index}`);
  const updated = manager.merge(QuizAttempt, attempt, {
    answers,
    score,
    currentIndex,
    status,
    updatedAt: now,
    finishedAt: isLast ? now : null,
  });
  if (!isLast) return { attempt: updated, isCorrect };
  const credited = passed
    ? await creditPoints({
        manager,
        staffId: attempt.staffId,
        points: level.points,
        reasonKey: 'quiz.passed',
        sourceType: 'quiz-attempt',
        sourceId: attempt.id,
        now,
      })
    : null;
  return { attempt: updated, isCorrect, finished: { passed, percent, credited } };
}
