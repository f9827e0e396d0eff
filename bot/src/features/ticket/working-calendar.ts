/**
 * Working time for SLAs: the desk's working hours on China's working days. Weekends, public holidays and
 * the make-up working days (调休) that move them come from `chinese-days`, a maintained dataset updated
 * each year when the State Council publishes the next year's arrangement — never from a hand-written list.
 */
import { isWorkday } from 'chinese-days';
import { clockMinutes, localDay, nextLocalDay, zonedInstant } from '../../zoned-time';

export interface WorkingCalendar {
  readonly timeZone: string;
  /** `HH:MM`, local. */
  readonly start: string;
  readonly end: string;
}

/** Working days are looked up once per day string: the dataset lookup is cheap, but SLA scans call this a lot. */
const workdayCache = new Map<string, boolean>();
export function isWorkingDay(day: string): boolean {
  let value = workdayCache.get(day);
  if (value === undefined) {
    value = isWorkday(day);
    workdayCache.set(day, value);
  }
  return value;
}

/** The working window of a local day, or undefined on a day off. */
function windowOf(day: string, calendar: WorkingCalendar): { from: number; to: number } | undefined {
  if (!isWorkingDay(day)) return undefined;
  return {
    from: zonedInstant(day, clockMinutes(calendar.start), calendar.timeZone).getTime(),
    to: zonedInstant(day, clockMinutes(calendar.end), calendar.timeZone).getTime(),
  };
}

/** Gives up after this many days without working time (a misconfigured calendar must not hang a job). */
const MAX_DAYS = 400;

/**
 * The instant `minutes` of working time after `start`. Time outside working hours does not count; with 0
 * minutes the answer is the first working instant at or after `start`.
 */
export function addWorkingMinutes(start: Date, minutes: number, calendar: WorkingCalendar): Date {
  let remaining = Math.max(0, minutes) * 60_000;
  let day = localDay(start, calendar.timeZone);
  let cursor = start.getTime();
  for (let i = 0; i < MAX_DAYS; i += 1, day = nextLocalDay(day)) {
    const window = windowOf(day, calendar);
    if (!window || cursor >= window.to) continue;
    cursor = Math.max(cursor, window.from);
    const available = window.to - cursor;
    if (remaining <= available) return new Date(cursor + remaining);
    remaining -= available;
    cursor = window.to;
  }
  throw new Error(`no working time within ${MAX_DAYS} days of ${start.toISOString()}`);
}

/** Working minutes between `from` and `to` (0 when `to` is not after `from`). */
export function workingMinutesBetween(from: Date, to: Date, calendar: WorkingCalendar): number {
  if (to.getTime() <= from.getTime()) return 0;
  let total = 0;
  let day = localDay(from, calendar.timeZone);
  const lastDay = localDay(to, calendar.timeZone);
  for (let i = 0; i < MAX_DAYS * 3; i += 1, day = nextLocalDay(day)) {
    const window = windowOf(day, calendar);
    if (window) {
      const overlap = Math.min(window.to, to.getTime()) - Math.max(window.from, from.getTime());
      if (overlap > 0) total += overlap;
    }
    if (day === lastDay) break;
  }
  return total / 60_000;
}
