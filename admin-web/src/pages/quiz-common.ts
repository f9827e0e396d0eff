/**
 * What the quiz bank's pages (levels, import, questions) share: the notice a re-rendered page shows, the
 * problems a refused save carries, how they appear under their field, and who made a change.
 */
import { AppError } from '../../../bot/src/errors';
import type { QuizProblem } from '../../../bot/src/features/quiz';
import type { AdminContext, AdminState } from '../context';
import { html, type SafeHtml } from '../html';

/** A message at the top of a page rendered in answer to a form. */
export type QuizNotice = { readonly kind: 'ok' | 'error'; readonly text: string };

/** The problems of a save the quiz bank's commands refused as VALIDATION_FAILED; undefined otherwise. */
export function problemsOf(error: unknown): QuizProblem[] | undefined {
  if (!(error instanceof AppError) || error.code !== 'VALIDATION_FAILED') return undefined;
  return (error.details as { problems?: QuizProblem[] } | undefined)?.problems;
}

/** The messages for one field of a form, shown right under its input. */
export function fieldProblems(state: AdminState, problems: readonly QuizProblem[], field: string): SafeHtml {
  return html`${problems
    .filter((problem) => problem.field === field)
    .map(
      (problem) =>
        html`<span class="error-text" data-field="${field}">${state.say(problem.key, problem.params)}</span>`,
    )}`;
}

/** Who is making a change, for the commands' audit entries: the signed-in staff number and address. */
export function quizActor(ctx: AdminContext): { actor: string; ip: string; now: Date } {
  return { actor: ctx.state.user?.staffNo ?? '?', ip: ctx.ip, now: new Date() };
}
