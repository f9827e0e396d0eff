/**
 * Cross-instance mutual exclusion. MySQL/MariaDB: GET_LOCK held by a dedicated connection, so it is
 * released the moment the holder's process or connection dies. SQLite is one file on one host, where
 * write transactions already serialise; callers that need more (the scheduler) use a lease row on top.
 */
import type { DataSource, ObjectLiteral, QueryRunner, SelectQueryBuilder } from 'typeorm';
import { isMysql } from './dialect';

const LOCK_PREFIX = 'fieldline:';
const MAX_MYSQL_LOCK_NAME = 64;

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * Takes the MySQL/MariaDB advisory lock `name`, waiting up to `timeoutSeconds` (0 = just try).
 * Returns undefined if another session holds it.
 */
export async function acquireMysqlLock(
  dataSource: DataSource,
  name: string,
  timeoutSeconds: number,
): Promise<HeldLock | undefined> {
  const lockName = LOCK_PREFIX + name;
  if (lockName.length > MAX_MYSQL_LOCK_NAME) throw new Error(`lock name too long: ${lockName}`);
  const runner: QueryRunner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const rows = (await runner.query('SELECT GET_LOCK(?, ?) AS acquired', [
      lockName,
      timeoutSeconds,
    ])) as Array<{
      acquired: number | string | null;
    }>;
    if (Number(rows[0]?.acquired) !== 1) {
      await runner.release();
      return undefined;
    }
  } catch (error) {
    await runner.release();
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await runner.query('SELECT RELEASE_LOCK(?) AS released', [lockName]);
      } finally {
        await runner.release();
      }
    },
  };
}

/**
 * Runs `work` while holding the cross-instance lock `name` (MySQL), waiting up to `timeoutSeconds`.
 * On SQLite the work simply runs.
 */
export async function withNamedLock<T>(
  dataSource: DataSource,
  name: string,
  timeoutSeconds: number,
  work: () => Promise<T>,
): Promise<T> {
  if (!isMysql(dataSource)) return work();
  const lock = await acquireMysqlLock(dataSource, name, timeoutSeconds);
  if (!lock)
    throw new Error(`could not take lock "${name}" within ${timeoutSeconds}s: another instance holds it`);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

/**
 * Makes `query` a SELECT … FOR UPDATE on MySQL/MariaDB, so the rows it reads stay locked for the rest of
 * the caller's transaction. SQLite serialises write transactions already (and has no FOR UPDATE), so
 * there the query is left as it is. Returns the same query for chaining.
 */
export function lockForUpdate<T extends ObjectLiteral>(query: SelectQueryBuilder<T>): SelectQueryBuilder<T> {
  return isMysql(query.connection) ? query.setLock('pessimistic_write') : query;
}
