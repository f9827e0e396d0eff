/**
 * Quiet hours: non-urgent messages to people who are off duty wait until morning. Verification codes and
 * replies someone is waiting for (templates with `quietHours: 'send'`), urgent alerts, and alerts to
 * on-duty group members are never held.
 */
import { z } from 'zod';
import { defineSetting } from '../features/settings';
import { clockMinutes, localClock } from '../zoned-time';

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour clock');

export const quietHoursSetting = defineSetting({
  key: 'notifications.quietHours',
  description: 'When non-urgent messages to off-duty staff wait until morning (local time, TZ)',
  schema: z.object({ enabled: z.boolean(), start: clockTime, end: clockTime }),
  defaultValue: { enabled: true, start: '22:00', end: '07:00' },
});

export type QuietHours = z.infer<typeof quietHoursSetting.schema>;

/** If `at` falls in quiet hours, the instant they end; otherwise undefined. */
export function quietHoursEnd(at: Date, timeZone: string, quiet: QuietHours): Date | undefined {
  if (!quiet.enabled) return undefined;
  const start = clockMinutes(quiet.start);
  const end = clockMinutes(quiet.end);
  if (start === end) return undefined;
  const minutes = clockMinutes(localClock(at, timeZone));
  const inQuiet = start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
  if (!inQuiet) return undefined;
  const untilEnd = (end - minutes + 24 * 60) % (24 * 60);
  const candidate = new Date(at.getTime() + untilEnd * 60_000);
  // Align to the minute boundary (the seconds of `at` are not part of the window).
  candidate.setUTCSeconds(0, 0);
  return candidate;
}
