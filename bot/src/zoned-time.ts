/**
 * Local days and clock times in the configured time zone (TZ), without a date library: SLA calendars,
 * reference numbers and date filters all need "which local day is this instant" and "when does that local
 * day (or a clock time on it) begin".
 */

/** Milliseconds `timeZone` is ahead of UTC at `epochMs`. */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
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

/** The local day of `at` as `YYYY-MM-DD`. */
export function localDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** The instant a local clock time (`minutes` after midnight) happens on local day `day` (`YYYY-MM-DD`). */
export function zonedInstant(day: string, minutes: number, timeZone: string): Date {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number);
  const guess = Date.UTC(year, month - 1, date) + minutes * 60_000;
  // The offset at the guess can differ from the offset at the answer across a DST change: ask twice.
  const first = guess - zoneOffsetMs(guess, timeZone);
  return new Date(guess - zoneOffsetMs(first, timeZone));
}

/** `YYYY-MM-DD` → the instant that local day begins; undefined for anything else. */
export function parseLocalDay(value: string, timeZone: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  const check = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== value) return undefined;
  return zonedInstant(value, 0, timeZone);
}

/** The local day `days` after (or before, if negative) `day`. */
export function addLocalDays(day: string, days: number): string {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}

/** The local day after `day`. */
export function nextLocalDay(day: string): string {
  return addLocalDays(day, 1);
}

/** `HH:MM` → minutes after midnight. */
export function clockMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** The local clock time of `at` as `HH:MM` (24-hour). */
export function localClock(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a local day `YYYY-MM-DD`. */
export function isoWeekday(day: string): number {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date)).getUTCDay() || 7;
}

/** A date and time for people to read, in `timeZone` and the reader's language (`2026/11/30 09:05`). */
export function formatLocalDateTime(at: Date, locale: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

/** A near date and time without the year, for short alerts (`11/30 09:05`). */
export function formatLocalMonthDayTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('zh-CN', {
    timeZone,
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

/** ISO week label (2026-W47) of the local day of `at` in `timeZone`. */
export function isoWeek(at: Date, timeZone: string): string {
  const day = localDay(at, timeZone);
  const [year = 0, month = 1, dayOfMonth = 1] = day.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, dayOfMonth));
  date.setUTCDate(date.getUTCDate() + 4 - isoWeekday(day)); // the Thursday of this week decides its year
  const yearStart = new Date(Date.UTC(date.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((date.getTime() - yearStart.getTime()) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** True for a month written `YYYY-MM` with a real month (01–12). */
export function isLocalMonth(value: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(value);
}

/** The local month (`YYYY-MM`) `at` falls in. */
export function localMonth(at: Date, timeZone: string): string {
  return localDay(at, timeZone).slice(0, 7);
}

/** `YYYY-MM` of the month before `month`. */
export function previousLocalMonth(month: string): string {
  const [year = 0, number = 1] = month.split('-').map(Number);
  return number === 1 ? `${year - 1}-12` : `${year}-${String(number - 1).padStart(2, '0')}`;
}

/** `YYYY-MM` of the month after `month`. */
export function nextLocalMonth(month: string): string {
  const [year = 0, number = 1] = month.split('-').map(Number);
  return number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, '0')}`;
}

/** The instants a local month (`YYYY-MM`) begins and ends ([from, to)). */
export function localMonthRange(month: string, timeZone: string): { from: Date; to: Date } {
  return {
    from: zonedInstant(`${month}-01`, 0, timeZone),
    to: zonedInstant(`${nextLocalMonth(month)}-01`, 0, timeZone),
  };
}
