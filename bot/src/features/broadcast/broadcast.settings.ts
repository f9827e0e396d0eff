import { z } from 'zod';
import { defineSetting } from '../settings';

/**
 * HH:MM on the 24-hour clock with minutes a multiple of 5: the push and warning jobs run every 5 minutes,
 * so any other minute would silently mean the next multiple of 5 (and 23:58 on a Sunday the next week).
 */
const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5][05]$/, 'HH:MM, 24-hour clock, minutes a multiple of 5 (e.g. 16:05)');
/** ISO weekday: 1 = Monday … 7 = Sunday. */
const weekday = z.number().int().min(1).max(7);

/**
 * The weekly best-case push (local time, TZ): on `pushWeekday` from `pushTime` the best cases marked for
 * the ISO week go to their audiences (every engineer when none was chosen); on `warnWeekday` from
 * `warnTime` (before the push) tier-2 is told if none is marked yet — the duty group `warnGroup` (its
 * on-duty members), or every tier-2 member when the group does not exist or has no active members.
 */
export const bestCaseScheduleSetting = defineSetting({
  key: 'broadcast.bestCaseSchedule',
  description:
    'Weekly best-case push (ISO weekday 1–7 and HH:MM) and the earlier warning to tier-2 when none is marked',
  schema: z
    .object({
      pushWeekday: weekday,
      pushTime: clockTime,
      warnWeekday: weekday,
      warnTime: clockTime,
      warnGroup: z.string().trim().min(1).max(64),
    })
    .refine(
      (value) => `${value.warnWeekday}${value.warnTime}` < `${value.pushWeekday}${value.pushTime}`,
      'the warning must come before the push in the same week',
    ),
  defaultValue: {
    pushWeekday: 5,
    pushTime: '16:00',
    warnWeekday: 4,
    warnTime: '10:00',
    warnGroup: 'control-desk',
  },
});

export type BestCaseSchedule = z.infer<typeof bestCaseScheduleSetting.schema>;
