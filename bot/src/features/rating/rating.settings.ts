import { z } from 'zod';
import { defineSetting } from '../settings';

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour clock');
const tagList = z.array(z.string().trim().min(1).max(20)).max(9);

/** When the daily job makes tasks from newly archived tickets, and how far back it looks. */
export const ratingScheduleSetting = defineSetting({
  key: 'rating.schedule',
  description:
    'Local time (TZ) after which the day’s rating tasks are made from archived tickets, and how many days back tickets are taken',
  schema: z.object({ generateAt: clockTime, lookbackDays: z.number().int().min(1).max(60) }),
  defaultValue: { generateAt: '08:30', lookbackDays: 7 },
});

/** How long a task stays open, and when its rater is reminded (once). */
export const ratingExpirySetting = defineSetting({
  key: 'rating.expiry',
  description: 'Days a rating task stays open, and hours after it was made that an unrated one is reminded',
  schema: z
    .object({
      expireAfterDays: z.number().int().min(1).max(60),
      remindAfterHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 60),
    })
    .refine((value) => value.remindAfterHours < value.expireAfterDays * 24, 'remind before expiry'),
  defaultValue: { expireAfterDays: 3, remindAfterHours: 24 },
});

/**
 * The optional tags a rater may pick, by whom they rate: the engineer, the desk (tier 2) or a department
 * (tier 3). Tags are stored as text, so renaming one here does not change ratings already given.
 */
export const ratingTagsSetting = defineSetting({
  key: 'rating.tags',
  description: 'Tags offered when rating the engineer, the desk (tier 2) and a department (tier 3)',
  schema: z.object({ engineer: tagList, desk: tagList, department: tagList }),
  defaultValue: {
    engineer: ['信息准确', '现场配合好', '描述清楚'],
    desk: ['响应及时', '方案有效', '态度好'],
    department: ['响应及时', '方案有效', '态度好'],
  },
});

/** Ratings can be changed for this long after they are first given, then they are locked. */
export const RATING_EDIT_WINDOW_MS = 24 * 3_600_000;
export const MAX_RATING_TAGS = 5;
export const MAX_RATING_COMMENT = 500;
