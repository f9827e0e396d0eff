import { In, IsNull, Not, type EntityManager } from 'typeorm';
import { withNamedLock } from '../../db/locks';
import { inTransaction } from '../../db/transaction';
import type { Job } from '../../jobs/job';
import { enqueue } from '../../notifications/enqueue';
import { OutboxMessage } from '../../notifications/outbox.entity';
import { addLocalDays, clockMinutes, zonedInstant } from '../../zoned-time';
import { readSetting } from '../settings';
import { Staff } from '../staff';
import { localWeekOf, previousLocalWeek, weeklyLeaderboard, type LocalWeek } from './leaderboard.queries';
import { quizLeaderboardSetting } from './leaderboard.settings';
import { quizLeaderboardTemplate } from './leaderboard.templates';

/** The outbox key of one engineer's leaderboard for one ISO week: once per week and person. */
const dedupeKeyOf = (week: string, staffId: number) => `quiz.leaderboard:${week}:${staffId}`;

/** Keys among `keys` already in the outbox (looked up in chunks, to stay far below bind-parameter limits). */
async function queuedKeys(manager: EntityManager, keys: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < keys.length; start += 500) {
    const rows = await manager.find(OutboxMessage, {
      where: { dedupeKey: In(keys.slice(start, start + 500)) },
      select: { id: true, dedupeKey: true },
    });
    for (const row of rows) found.add(row.dedupeKey);
  }
  return found;
}

/** Queues `week`'s board for every bound, active engineer who has not had it yet; returns the summary. */
async function sendWeek(manager: EntityManager, week: LocalWeek, top: number, now: Date): Promise<string> {
  const engineers = await manager.find(Staff, {
    where: { role: 'engineer', isActive: true, wecomUserId: Not(IsNull()) },
    select: { id: true },
    order: { id: 'ASC' },
  });
  const queued = await queuedKeys(
    manager,
    engineers.map((person) => dedupeKeyOf(week.label, person.id)),
  );
  const due = engineers.filter((person) => !queued.has(dedupeKeyOf(week.label, person.id)));
  if (due.length === 0) return `${week.label}: sent to ${engineers.length} engineer(s) already`;

  const board = await weeklyLeaderboard(manager, week);
  if (board.ranking.length === 0) return `${week.label}: nobody earned points; nothing sent`;
  const listed = board.ranking
    .slice(0, top)
    .map(({ rank, name, department, points }) => ({ rank, name, department, points }));
  let sent = 0;
  await inTransaction(manager, async (transaction) => {
    for (const person of due) {
      const standing = board.standings.get(person.id);
      if (!standing) continue;
      const result = await enqueue(transaction, {
        channel: 'wecom',
        to: { staffId: person.id },
        template: quizLeaderboardTemplate.key,
        data: {
          week: week.label,
          from: week.firstDay,
          to: week.lastDay,
          earners: board.ranking.length,
          points: board.weekPoints,
          top: listed,
          own: {
            points: standing.weekPoints,
            rank: standing.weekRank,
            total: standing.total,
            overallRank: standing.overallRank,
            overallCount: board.overallCount,
          },
        },
        dedupeKey: dedupeKeyOf(week.label, person.id),
        now,
      });
      if (!result.isDuplicate) sent += 1;
    }
  });
  return `${week.label}: ${sent} leaderboard push(es) queued; ${board.ranking.length} people earned points`;
}

/**
 * The weekly points leaderboard (积分周榜): from the configured weekday and local time on
 * (quiz.leaderboard), every active engineer with a WeCom binding gets last week's (Monday–Sunday, local
 * time) top people by points earned that week, their own week points and rank, and their overall total
 * and rank. It ticks every 5 minutes and acts on any tick from the send time to the end of the week, so a
 * service that was down at the send time catches up; the outbox key (ISO week + person) makes it once per
 * person per week however many ticks or instances run. A week in which nobody earned points sends
 * nothing (a list of nobody is noise); the run says so in its summary, which the scheduler logs.
 */
export function quizLeaderboardJob(options: { readonly timeZone: string }): Job {
  const { timeZone } = options;
  return {
    name: 'quiz-leaderboard',
    description: 'Push last week’s points leaderboard to engineers in WeCom (quiz.leaderboard: day and time)',
    schedule: '*/5 * * * *',
    async run({ now, manager }) {
      const settings = (await readSetting(manager, quizLeaderboardSetting)).value;
      if (!settings.isEnabled) return 'disabled in quiz.leaderboard';
      const thisWeek = localWeekOf(now, timeZone);
      const sendDay = addLocalDays(thisWeek.firstDay, settings.weekday - 1);
      const sendAt = zonedInstant(sendDay, clockMinutes(settings.time), timeZone);
      if (now.getTime() < sendAt.getTime()) return `waiting for ${sendDay} ${settings.time}`;
      const week = previousLocalWeek(thisWeek, timeZone);
      // Serialised across instances (a manual job:run beside the scheduled tick): the later run finds
      // every row queued instead of racing the first to the outbox's unique key.
      return withNamedLock(manager.dataSource, 'quiz-leaderboard', 60, () =>
        sendWeek(manager, week, settings.top, now),
      );
    },
  };
}
