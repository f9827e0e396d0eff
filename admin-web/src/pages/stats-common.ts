/** What the managers' statistics pages share: the period from the query string and count tables. */
import { html, type SafeHtml } from '../html';
import type { AdminContext } from '../context';
import { dateInput, parseDay, queryText } from './query';

const DAY_MS = 86_400_000;

/**
 * `from`/`to` local days from the query (both included), the last `defaultDays` days by default.
 * Returns the half-open instant range [from, to) and the last day shown.
 */
export function periodFromQuery(ctx: AdminContext, timeZone: string, defaultDays = 28, now = new Date()) {
  const today = parseDay(dateInput(now, timeZone), timeZone) ?? now;
  const toDay = parseDay(queryText(ctx, 'to'), timeZone) ?? today;
  const to = new Date(toDay.getTime() + DAY_MS);
  const from = parseDay(queryText(ctx, 'from'), timeZone) ?? new Date(to.getTime() - defaultDays * DAY_MS);
  return { from, to, toDay };
}

/** A titled card with a label → count table. */
export function countTable(
  id: string,
  title: string,
  rows: ReadonlyArray<readonly [string, number]>,
): SafeHtml {
  return html`<section class="card">
    <h2>${title}</h2>
    <table id="${id}">
      <tbody>
        ${rows.map(
          ([label, count]) =>
            html`<tr>
              <td>${label}</td>
              <td class="count-cell">${count}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}
