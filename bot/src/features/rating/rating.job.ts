import { In, IsNull, type EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import type { Job } from '../../jobs/job';
import { enqueue } from '../../notifications/enqueue';
import { clockMinutes, formatLocalMonthDayTime, localDay, zonedInstant } from '../../zoned-time';
import { readSetting } from '../settings';
import { staffByIds } from '../staff';
import { RatingTask } from './rating-task.entity';
import { generateRatingTasks } from './rating.commands';
import { expiredPendingRatings, ratingsToRemind } from './rating.queries';
import { ratingExpirySetting, ratingScheduleSetting } from './rating.settings';
import './rating.templates';

/**
 * The daily rating tasks. The scheduler ticks every 5 minutes, but the job acts only once the configured
 * local time has passed, and then takes tickets archived before today's run time and within the last
 * `lookbackDays` that have no tasks yet. Tickets archived after the run time wait for tomorrow's run, so
 * each day's tasks appear together in the morning. Once a day's tickets have tasks, later ticks find
 * nothing to do; tasks are unique per ticket, rater and ratee, so any number of runs or instances make
 * each task once, and a day the service was down is caught up by the next run.
 */
export function ratingTasksJob(options: { readonly timeZone: string }): Job {
  return {
    name: 'rating-tasks',
    description:
      'Make the day’s two-way rating tasks from archived tickets (after rating.schedule.generateAt)',
    schedule: '*/5 * * * *',
    async run({ now, manager }) {
      const { generateAt, lookbackDays } = (await readSetting(manager, ratingScheduleSetting)).value;
      const cutoff = zonedInstant(
        localDay(now, options.timeZone),
        clockMinutes(generateAt),
        options.timeZone,
      );
      if (now.getTime() < cutoff.getTime()) return `waiting for ${generateAt}`;
      const { expireAfterDays } = (await readSetting(manager, ratingExpirySetting)).value;
      const made = await generateRatingTasks({
        manager,
        from: new Date(cutoff.getTime() - lookbackDays * 86_400_000),
        to: cutoff,
        expireAfterDays,
        now,
      });
      return `made ${made} rating tasks`;
    },
  };
}

/** Marks the rater's tasks reminded (only those nobody marked meanwhile) and sends one push for them. */
async function remindRater(
  manager: EntityManager,
  raterId: number,
  tasks: readonly RatingTask[],
  now: Date,
  timeZone: string,
): Promise<number> {
  const claimed: RatingTask[] = [];
  for (const task of tasks) {
    const result = await manager.update(
      RatingTask,
      { id: task.id, status: 'pending', version: task.version, remindedAt: IsNull() },
      { remindedAt: now },
    );
    if (result.affected === 1) claimed.push(task);
  }
  if (claimed.length === 0) return 0;
  const soonest = new Date(Math.min(...claimed.map((task) => task.expiresAt.getTime())));
  await enqueue(manager, {
    channel: 'wecom',
    to: { staffId: raterId },
    template: 'rating.reminder',
    data: { count: claimed.length, expiresAt: formatLocalMonthDayTime(soonest, timeZone) },
    // Each task is reminded once, so the smallest task id of this reminder names it for good.
    dedupeKey: `rating:remind:${Math.min(...claimed.map((task) => task.id))}`,
    now,
  });
  return claimed.length;
}

/**
 * Closes tasks past their expiry and reminds raters, once, of tasks still unrated `remindAfterHours`
 * after they were made: one WeCom push per rater, held through quiet hours like any non-urgent push.
 * Raters without a WeCom binding are not pushed (they see their list on the web), but their tasks are
 * still marked, so nobody is reminded twice.
 */
export function ratingRemindersJob(options: { readonly timeZone: string }): Job {
  return {
    name: 'rating-reminders',
    description: 'Expire old rating tasks and remind raters once of unrated ones (WeCom, held at night)',
    schedule: '*/10 * * * *',
    async run({ now, manager }) {
      let expired = 0;
      for (const task of await expiredPendingRatings(manager, now)) {
        const result = await manager.update(
          RatingTask,
          { id: task.id, status: 'pending', version: task.version },
          { status: 'expired', version: task.version + 1 },
        );
        expired += result.affected ?? 0;
      }
      const { remindAfterHours } = (await readSetting(manager, ratingExpirySetting)).value;
      const due = await ratingsToRemind(manager, new Date(now.getTime() - remindAfterHours * 3_600_000), now);
      const byRater = new Map<number, RatingTask[]>();
      for (const task of due)
        byRater.set(task.raterStaffId, [...(byRater.get(task.raterStaffId) ?? []), task]);
      const raters = await staffByIds(manager, byRater.keys());
      let reminded = 0;
      for (const [raterId, tasks] of byRater) {
        const rater = raters.get(raterId);
        if (!rater?.isActive) continue;
        if (!rater.wecomUserId) {
          await manager.update(
            RatingTask,
            { id: In(tasks.map((task) => task.id)), remindedAt: IsNull() },
            {
              remindedAt: now,
            },
          );
          continue;
        }
        reminded += await inTransaction(manager, (tx) =>
          remindRater(tx, raterId, tasks, now, options.timeZone),
        );
      }
      return `expired ${expired}, reminded ${reminded}`;
    },
  };
}
