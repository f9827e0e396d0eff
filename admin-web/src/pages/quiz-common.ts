/**
 * What the quiz bank's pages (levels, import, questions) share: the notice a re-rendered page shows, the
 * problems a refused save carries, how they appear under their field, and who made a change.
 */
import type { QuizProblem } from '../../../bot/src/features/quiz';
import type { AdminContext } from '../context';
import { validationProblems } from './form-common';

/** A message at the top of a page rendered in answer to a form. */
export type QuizNotice = { readonly kind: 'ok' | 'error'; readonly text: string };

/** The problems of a save the quiz bank's commands refused as VALIDATION_FAILED; undefined otherwise. */
export function problemsOf(error: unknown): QuizProblem[] | undefined {
  return validationProblems<QuizProblem>(error);
}

/** Who is making a change, for the commands' audit entries: the signed-in staff number and address. */
export function quizActor(ctx: AdminContext): { actor: string; ip: string; now: Date } {
  return { actor: ctx.state.user?.staffNo ?? '?', ip: ctx.ip, now: new Date() };
}
