/** Reading list filters from the query string: only strings, trimmed and bounded; dates as local days. */
import type { AdminContext } from '../context';

export function queryText(ctx: AdminContext, name: string, maxLength = 64): string {
  const value = ctx.query[name];
  return typeof value === 'string' ? value.trim().slice(0, maxLength) : '';
}

/** Milliseconds `timeZone` is ahead of UTC at `epochMs`. */
function zoneOffset(epochMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** `YYYY-MM-DD` → the instant that day begins in `timeZone`; undefined for anything else. */
export function parseDay(value: string, timeZone: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  const guess = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (Number.isNaN(guess)) return undefined;
  const offset = zoneOffset(guess, timeZone);
  const candidate = guess - offset;
  // Across a DST change the offset at the candidate may differ from the guess's.
  return new Date(guess - zoneOffset(candidate, timeZone));
}

/** The local day of `at` as `YYYY-MM-DD` (for `<input type="date">`); '' for none. */
export function dateInput(at: Date | undefined, timeZone: string): string {
  if (!at) return '';
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}
