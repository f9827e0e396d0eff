/** Reading list filters from the query string: only strings, trimmed and bounded; dates as local days. */
import { localDay, parseLocalDay } from '../../../bot/src/zoned-time';
import type { AdminContext } from '../context';

export function queryText(ctx: AdminContext, name: string, maxLength = 64): string {
  const value = ctx.query[name];
  return typeof value === 'string' ? value.trim().slice(0, maxLength) : '';
}

/** `YYYY-MM-DD` → the instant that day begins in `timeZone`; undefined for anything else. */
export const parseDay = parseLocalDay;

/** The local day of `at` as `YYYY-MM-DD` (for `<input type="date">`); '' for none. */
export function dateInput(at: Date | undefined, timeZone: string): string {
  return at ? localDay(at, timeZone) : '';
}
