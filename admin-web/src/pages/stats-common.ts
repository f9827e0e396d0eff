/**
 * What the managers' statistics pages share: the period from the query string, count tables and
 * waiting-time tables.
 */
import { html, type SafeHtml } from '../html';
import type { AdminContext, AdminState } from '../context';
import { addLocalDays, localDay, nextLocalDay, zonedInstant } from '../../../bot/src/zoned-time';
import { parseDay, queryText } from './query';

/** The longest period a statistics page covers (a year, with room for a leap day). */
export const MAX_PERIOD_DAYS = 366;

/**
 * `from`/`to` local days from the query (both included), the last `defaultDays` days by default, at most
 * {@link MAX_PERIOD_DAYS} long (a longer request is cut to end at `to`). Returns the half-open instant
 * range [from, to) and the last day shown. Days are stepped in local time, so a DST change cannot shift
 * the boundaries.
 */
export function periodFromQuery(ctx: AdminContext, timeZone: string, defaultDays = 28, now = new Date()) {
  const lastDay = parseDay(queryText(ctx, 'to'), timeZone) ? queryText(ctx, 'to') : localDay(now, timeZone);
  const to = zonedInstant(nextLocalDay(lastDay), 0, timeZone);
  const earliest = zonedInstant(addLocalDays(lastDay, 1 - MAX_PERIOD_DAYS), 0, timeZone);
  const fallback = zonedInstant(addLocalDays(lastDay, 1 - defaultDays), 0, timeZone);
  const asked = parseDay(queryText(ctx, 'from'), timeZone) ?? fallback;
  // A start after the end means a mistyped range: show the default period rather than nothing.
  const start = asked.getTime() >= to.getTime() ? fallback : asked;
  const from = start.getTime() < earliest.getTime() ? earliest : start;
  return { from, to, toDay: zonedInstant(lastDay, 0, timeZone) };
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

/** How long something waited, over a period: how many, the median and the 90th percentile. */
export interface WaitTimes {
  readonly count: number;
  readonly median: number | null;
  readonly p90: number | null;
}

/**
 * The `#times` table of a statistics page: one row per waiting time (count, median, p90), each row
 * marked `data-stat="{id}"`; `minutes` words a number of minutes, and an empty distribution reads "—".
 */
export function waitTimesTable(
  say: AdminState['say'],
  minutes: (value: number) => string,
  rows: ReadonlyArray<{ readonly id: string; readonly label: string; readonly times: WaitTimes }>,
): SafeHtml {
  const shown = (value: number | null) => (value === null ? '—' : minutes(value));
  return html`<table id="times">
    <thead>
      <tr>
        <th></th>
        <th>${say('web.ticket.count')}</th>
        <th>${say('web.ticket.median')}</th>
        <th>p90</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        ({ id, label, times }) =>
          html`<tr data-stat="${id}">
            <td>${label}</td>
            <td>${times.count}</td>
            <td>${shown(times.median)}</td>
            <td>${shown(times.p90)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/**
 * The period form of a statistics page: from/to days, the filter button and the CSV export of the same
 * period (`extraFields`: more filters, e.g. the kind, also carried into the export link).
 */
export function periodForm(
  ctx: AdminContext,
  options: {
    readonly timeZone: string;
    readonly period: { readonly from: Date; readonly toDay: Date };
    readonly exportPath: string;
    readonly extraQuery?: Readonly<Record<string, string>>;
    readonly extraFields?: SafeHtml;
  },
): SafeHtml {
  const { say } = ctx.state;
  const from = localDay(options.period.from, options.timeZone);
  const to = localDay(options.period.toDay, options.timeZone);
  const query = new URLSearchParams({ ...options.extraQuery, from, to });
  return html`<form method="get" class="filters">
    ${options.extraFields ?? ''}
    <label>${say('web.report.from')}<input type="date" name="from" value="${from}" /></label>
    <label>${say('web.report.to')}<input type="date" name="to" value="${to}" /></label>
    <button type="submit">${say('web.roster.filter')}</button>
    <a class="button secondary" id="export" href="${options.exportPath}?${query.toString()}"
      >${say('web.report.export')}</a
    >
  </form>`;
}
