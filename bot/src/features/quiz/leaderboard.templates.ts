import { z } from 'zod';
import { t, type Locale } from '../../i18n';
import { defineTemplate } from '../../notifications/templates';

/** WeCom cuts a text message at 2048 bytes (UTF-8). */
const WECOM_TEXT_LIMIT_BYTES = 2048;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const entry = z.object({
  rank: z.number().int().min(1),
  name: z.string(),
  department: z.string().nullable(),
  points: z.number().int(),
});

const leaderboardData = z.object({
  week: z.string().regex(/^\d{4}-W\d{2}$/),
  from: day,
  to: day,
  /** How many people earned points that week, and how many points in all. */
  earners: z.number().int().min(1),
  points: z.number().int(),
  top: z.array(entry).max(20),
  own: z.object({
    points: z.number().int(),
    rank: z.number().int().min(1).nullable(),
    total: z.number().int(),
    overallRank: z.number().int().min(1),
    overallCount: z.number().int().min(1),
  }),
});

type LeaderboardData = z.infer<typeof leaderboardData>;

function lines(data: LeaderboardData, shown: number, locale: Locale): string {
  const rows = data.top.slice(0, shown).map((row) =>
    t(locale, 'quiz.leaderboard.row', {
      rank: row.rank,
      name: row.name,
      department: row.department ? t(locale, 'quiz.leaderboard.department', { name: row.department }) : '',
      points: row.points,
    }),
  );
  const hidden = data.earners - Math.min(shown, data.top.length);
  return [
    t(locale, 'quiz.leaderboard.title', { week: data.week, from: data.from.slice(5), to: data.to.slice(5) }),
    t(locale, 'quiz.leaderboard.summary', { earners: data.earners, points: data.points }),
    ...rows,
    ...(hidden > 0 ? [t(locale, 'quiz.leaderboard.more', { count: hidden })] : []),
    '',
    data.own.rank === null
      ? t(locale, 'quiz.leaderboard.ownNone')
      : t(locale, 'quiz.leaderboard.own', { points: data.own.points, rank: data.own.rank }),
    t(locale, 'quiz.leaderboard.total', {
      total: data.own.total,
      rank: data.own.overallRank,
      count: data.own.overallCount,
    }),
  ].join('\n');
}

/**
 * The weekly points leaderboard (积分周榜) for one engineer: the week's top people, their own week points
 * and rank, and their overall total and rank. One WeCom text, which WeCom cuts at 2048 bytes: with long
 * names the list is shortened (the rest counted in a closing line) so the person's own standing, at the
 * end, always arrives. Not urgent: held through quiet hours.
 */
export const quizLeaderboardTemplate = defineTemplate({
  key: 'quiz.leaderboard',
  schema: leaderboardData,
  quietHours: 'hold',
  render: (data, locale) => {
    let shown = data.top.length;
    let text = lines(data, shown, locale);
    while (shown > 0 && Buffer.byteLength(text) > WECOM_TEXT_LIMIT_BYTES) {
      shown -= 1;
      text = lines(data, shown, locale);
    }
    return { subject: t(locale, 'quiz.leaderboard.subject', { week: data.week }), text };
  },
});
