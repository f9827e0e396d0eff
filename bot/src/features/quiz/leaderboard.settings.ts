import { z } from 'zod';
import { defineSetting } from '../settings';

/**
 * When the weekly points leaderboard goes out to engineers, and how many people it lists. The job ticks
 * every 5 minutes, so the time is on a 5-minute mark (a time between ticks could fall after the last tick
 * of the week and never be reached).
 */
export const quizLeaderboardSetting = defineSetting({
  key: 'quiz.leaderboard',
  description:
    'Weekly points leaderboard pushed to engineers in WeCom: on/off, ISO weekday (1 = Monday … 7 = Sunday), local time (TZ, HH:MM on a 5-minute mark) and how many people it lists',
  schema: z.object({
    isEnabled: z.boolean(),
    weekday: z.number().int().min(1).max(7),
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5][05]$/, 'HH:MM (24-hour clock) on a 5-minute mark'),
    top: z.number().int().min(1).max(20),
  }),
  defaultValue: { isEnabled: true, weekday: 1, time: '09:00', top: 10 },
});
