import type { EntityManager } from 'typeorm';
import { lockForUpdate } from '../../db/locks';
import { QuizLevel } from './quiz-level.entity';

/**
 * Every level in play order, locked for the rest of the caller's transaction: every command that adds
 * levels or changes their order starts here, so two of them at once take turns instead of both reading
 * the same last position. MySQL/MariaDB: SELECT … FOR UPDATE over the whole table (its next-key locks
 * also hold back a concurrent insert; a deadlock between two first levels of an empty bank is retried by
 * inTransaction). SQLite serialises write transactions already.
 */
export function lockedLevels(manager: EntityManager): Promise<QuizLevel[]> {
  return lockForUpdate(
    manager.createQueryBuilder(QuizLevel, 'l').orderBy('l.sort_order', 'ASC').addOrderBy('l.id', 'ASC'),
  ).getMany();
}

/**
 * Stores `levels` (every level, in the order wanted) as positions 1…n, writing only the ones that moved.
 * Positions are not versioned: moving a level is not an edit of its settings.
 */
export async function renumberQuizLevels(
  manager: EntityManager,
  levels: readonly QuizLevel[],
): Promise<void> {
  for (const [index, level] of levels.entries()) {
    if (level.sortOrder === index + 1) continue;
    await manager.update(QuizLevel, { id: level.id }, { sortOrder: index + 1 });
    level.sortOrder = index + 1;
  }
}
