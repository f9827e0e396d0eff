/**
 * The back office's list tables: headings across the top and one row per item, wrapped so that on a
 * phone (app.css `.table-wrap`) each row folds into a card whose cells name themselves by `data-label`.
 */
import { html, type SafeHtml } from '../html';

/**
 * A list table with `id`, a heading per column and the given rows (each a whole `<tr>`). With
 * `actionsColumn`, a last heading is left empty for the rows' buttons.
 */
export function dataTable(
  id: string,
  headings: readonly string[],
  rows: readonly SafeHtml[],
  options: { readonly actionsColumn?: boolean } = {},
): SafeHtml {
  return html`<div class="table-wrap">
    <table id="${id}">
      <thead>
        <tr>
          ${headings.map((heading) => html`<th>${heading}</th>`)}${options.actionsColumn ? html`<th></th>` : ''}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}
