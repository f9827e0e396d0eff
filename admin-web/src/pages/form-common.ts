/**
 * What the back office's edit forms (articles, training videos, the quiz bank) share: the problems a
 * refused save carries, shown right under their field and marked on the control, so that the reader
 * sees each problem where it is and what was typed stays on the page.
 */
import { AppError } from '../../../bot/src/errors';
import type { MessageKey, MessageParams } from '../../../bot/src/i18n';
import type { AdminState } from '../context';
import { html, type SafeHtml } from '../html';

/** One problem of a form: the field it belongs to and the message that explains it. */
export interface FieldProblem {
  readonly field: string;
  readonly key: MessageKey;
  readonly params?: MessageParams;
}

/**
 * The problems a command attached to a VALIDATION_FAILED error (`details.problems`); undefined for any
 * other error, which the caller then rethrows.
 */
export function validationProblems<P extends FieldProblem>(error: unknown): P[] | undefined {
  if (!(error instanceof AppError) || error.code !== 'VALIDATION_FAILED') return undefined;
  return (error.details as { problems?: P[] } | undefined)?.problems;
}

/** The problems of one field, right under it. */
export function fieldProblems(state: AdminState, problems: readonly FieldProblem[], field: string): SafeHtml {
  return html`${problems
    .filter((problem) => problem.field === field)
    .map(
      (problem) =>
        html`<span class="error-text" data-field="${field}">${state.say(problem.key, problem.params)}</span>`,
    )}`;
}

/** `aria-invalid` for a control whose field has a problem. */
export function invalidMark(problems: readonly FieldProblem[], field: string): SafeHtml {
  return problems.some((problem) => problem.field === field) ? html`aria-invalid="true"` : html``;
}

/** What {@link inputField} and {@link textareaField} draw: the control's label, name, value and limits. */
interface TextFieldOptions {
  /** The label, already in the reader's language. */
  readonly label: string;
  /** The field's name: the form value and the problems' `field`. */
  readonly name: string;
  /** What the control shows: the saved value, or what was typed when a save was refused. */
  readonly value: string;
  /** The form's problems; those of this field mark the control and are shown under it. */
  readonly problems: readonly FieldProblem[];
  /** A hint under the control, before its problems. */
  readonly hint?: string;
  /** Marks the control `required` (the browser checks it too; the command still decides). */
  readonly required?: boolean;
  /** The control's `maxlength` (a convenience: the command checks the length itself). */
  readonly maxLength?: number;
  /** An example shown while the input is empty (inputs only). */
  readonly placeholder?: string;
}

const maybe = (on: boolean | undefined, attribute: SafeHtml): SafeHtml | '' => (on ? attribute : '');

function afterControl(state: AdminState, options: TextFieldOptions): SafeHtml {
  return html`${options.hint !== undefined ? html`<p class="hint">${options.hint}</p>` : ''}
  ${fieldProblems(state, options.problems, options.name)}`;
}

/** A labelled one-line input (`type` text unless given) with its hint and problems. */
export function inputField(
  state: AdminState,
  options: TextFieldOptions & { readonly type?: string; readonly inputMode?: string },
): SafeHtml {
  // Attributes in the order the forms have always written them (name before value, then the limits).
  return html`<label
      >${options.label}<input
        ${maybe(options.type !== undefined, html`type="${options.type}"`)}
        name="${options.name}"
        value="${options.value}"
        ${maybe(options.placeholder !== undefined, html`placeholder="${options.placeholder}"`)}
        ${maybe(options.inputMode !== undefined, html`inputmode="${options.inputMode}"`)}
        ${maybe(options.required, html`required`)}
        ${maybe(options.maxLength !== undefined, html`maxlength="${options.maxLength}"`)}
        ${invalidMark(options.problems, options.name)}
    /></label>
    ${afterControl(state, options)}`;
}

/** A labelled multi-line text box with its hint and problems. */
export function textareaField(
  state: AdminState,
  options: TextFieldOptions & { readonly rows: number },
): SafeHtml {
  // The line break after the opening tag is dropped by the HTML parser, so a value that starts with a
  // blank line keeps it.
  return html`<label
      >${options.label}<textarea
        name="${options.name}"
        rows="${options.rows}"
        ${maybe(options.maxLength !== undefined, html`maxlength="${options.maxLength}"`)}
        ${maybe(options.required, html`required`)}
        ${invalidMark(options.problems, options.name)}
      >
${options.value}</textarea>
    </label>
    ${afterControl(state, options)}`;
}
