import { z } from 'zod';
import { SESSION_IDLE_MS } from '../../conversation/session';
import { defineSetting } from '../settings';

/**
 * The longest an attempt may sit idle: the conversation itself forgets a waiting flow after
 * SESSION_IDLE_MS, and an attempt outliving its conversation could no longer take typed answers.
 */
const MAX_IDLE_MINUTES = Math.floor(SESSION_IDLE_MS / 60_000);

/** How often a level may be tried in a day, and how long an attempt may sit idle before it expires. */
export const quizLimitsSetting = defineSetting({
  key: 'quiz.limits',
  description: `Attempts per level per person per local day, and idle minutes (at most ${MAX_IDLE_MINUTES}, the conversation's own idle limit) after which an attempt expires`,
  schema: z.object({
    attemptsPerDay: z.number().int().min(1).max(50),
    idleMinutes: z.number().int().min(1).max(MAX_IDLE_MINUTES),
  }),
  defaultValue: { attemptsPerDay: 3, idleMinutes: MAX_IDLE_MINUTES },
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
