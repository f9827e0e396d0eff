/** Task lists for raters: what they still owe, and what they rated recently enough to change. */
import { IsNull, LessThanOrEqual, MoreThan, type EntityManager } from 'typeorm';
import { readSetting } from '../settings';
import { RatingTask, type RatingSide } from './rating-task.entity';
import { RATING_EDIT_WINDOW_MS, ratingTagsSetting } from './rating.settings';

/** The rater's open tasks, oldest ticket first (the order the bot offers them in). */
export function listPendingRatings(
  manager: EntityManager,
  raterId: number,
  now: Date,
): Promise<RatingTask[]> {
  return manager.find(RatingTask, {
    where: { raterStaffId: raterId, status: 'pending', expiresAt: MoreThan(now) },
    order: { ticketArchivedAt: 'ASC', id: 'ASC' },
  });
}

/** The rater's ratings still inside the edit window, newest first. */
export function listEditableRatings(
  manager: EntityManager,
  raterId: number,
  now: Date,
): Promise<RatingTask[]> {
  return manager.find(RatingTask, {
    where: {
      raterStaffId: raterId,
      status: 'rated',
      ratedAt: MoreThan(new Date(now.getTime() - RATING_EDIT_WINDOW_MS)),
    },
    order: { ratedAt: 'DESC', id: 'DESC' },
  });
}

export function findRatingTask(manager: EntityManager, id: number): Promise<RatingTask | null> {
  return manager.findOneBy(RatingTask, { id });
}

/** Whether a task can still be rated (pending, not past its expiry) or changed (rated, in the window). */
export function isRatingOpen(task: RatingTask, now: Date): boolean {
  if (task.status === 'pending') return task.expiresAt.getTime() > now.getTime();
  if (task.status === 'rated' && task.ratedAt)
    return now.getTime() < task.ratedAt.getTime() + RATING_EDIT_WINDOW_MS;
  return false;
}

/** The tags offered when rating someone who acted at `side`. */
export async function ratingTagsFor(manager: EntityManager, side: RatingSide): Promise<readonly string[]> {
  const tags = (await readSetting(manager, ratingTagsSetting)).value;
  return side === 1 ? tags.engineer : side === 2 ? tags.desk : tags.department;
}

/** Pending tasks past their expiry (the reminder job closes them). */
export function expiredPendingRatings(manager: EntityManager, now: Date): Promise<RatingTask[]> {
  return manager.find(RatingTask, {
    where: { status: 'pending', expiresAt: LessThanOrEqual(now) },
    order: { id: 'ASC' },
    take: 500,
  });
}

/** Pending tasks made at or before `madeBefore`, not yet reminded and still open. */
export function ratingsToRemind(manager: EntityManager, madeBefore: Date, now: Date): Promise<RatingTask[]> {
  return manager.find(RatingTask, {
    where: {
      status: 'pending',
      remindedAt: IsNull(),
      createdAt: LessThanOrEqual(madeBefore),
      expiresAt: MoreThan(now),
    },
    order: { raterStaffId: 'ASC', id: 'ASC' },
    take: 2000,
  });
}
