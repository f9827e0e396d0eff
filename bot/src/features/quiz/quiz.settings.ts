import { z } from 'zod';
import { defineSetting } from '../settings';

/** How often a level may be tried in a day, and how long an attempt may sit idle before it expires. */
export const quizLimitsSetting = defineSetting({
  key: 'quiz.limits',
  description: 'Attempts per level per person per local day, and idle minutes after which an attempt expires',
  schema: z.object({
    attemptsPerDay: z.number().int().min(1).max(50),
    idleMinutes: z.number().int().min(1).max(10),
  }),
  defaultValue: { attemptsPerDay: 3, idleMinutes: 10 },
});

/** Points credited to the reporter when a lead is converted or a hazard is closed as fixed. */
export const reportPointsSetting = defineSetting({
  key: 'points.reports',
  description: 'Points credited to the reporter for a converted lead and for a hazard closed as fixed',
  schema: z.object({
    leadConverted: z.number().int().min(0).max(1000),
    hazardFixed: z.number().int().min(0).max(1000),
  }),
  defaultValue: { leadConverted: 20, hazardFixed: 10 },
});

/** Defaults of a level first created by an import. */
export const LEVEL_DEFAULTS = { questionsPerAttempt: 5, passPercent: 80, points: 10 } as const;
