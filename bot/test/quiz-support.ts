/**
 * Set-up shared by the quiz tests that play 闯关 through the webhook (under bot/test, so it never ships in
 * the build): an engineer's open attempt, the question it stands at, and answers as the engineer sees
 * them. Options are shuffled per attempt, so the bank's letters differ from the letters shown.
 */
import type { EntityManager } from 'typeorm';
import { QuizAttempt, QuizQuestion } from '../src/features/quiz';

const LETTERS = 'ABCDEF';

/** The in-progress attempt of the engineer with this staff id; fails when there is none. */
export function openAttempt(manager: EntityManager, staffId: number): Promise<QuizAttempt> {
  return manager.findOneByOrFail(QuizAttempt, { staffId, status: 'in-progress' });
}

/** The question at `index` of the attempt (its current one by default). */
export function questionAt(
  manager: EntityManager,
  attempt: QuizAttempt,
  index = attempt.currentIndex,
): Promise<QuizQuestion> {
  return manager.findOneByOrFail(QuizQuestion, { id: attempt.questionIds[index]! });
}

/** The bank's `letters` (e.g. 'AB') as shown at `index` of the attempt, in alphabetical order. */
export function shownLetters(attempt: QuizAttempt, letters: string, index = attempt.currentIndex): string[] {
  const order = attempt.optionOrders[index]!;
  return [...letters].map((letter) => LETTERS[order.indexOf(LETTERS.indexOf(letter))]!).sort();
}

/** The other true/false answer. */
export const oppositeOf = (answer: string) => (answer === '对' ? '错' : '对');
