/**
 * The one way to open a transaction (DESIGN §4.3: commands take an EntityManager; the caller owns the
 * transaction). Two things TypeORM does not do for us:
 *  - SQLite (better-sqlite3) has a single connection per DataSource, and TypeORM turns a second concurrent
 *    `transaction()` into a SAVEPOINT inside the first, so unrelated work would commit or roll back together.
 *    Transactions on one SQLite DataSource are therefore queued, one at a time.
 *  - Deadlocks (MySQL) and busy files (SQLite, another process writing) are retried a few times with jitter.
 */
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

type Work<T> = (manager: EntityManager) => Promise<T>;

const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();
/** Callbacks to run once the transaction open on a query runner commits. */
const afterCommitHooks = new WeakMap<QueryRunner, Array<() => void>>();

/**
 * Runs `hook` after the transaction `manager` belongs to commits — never if it rolls back. For work
 * that must not happen for a change that did not happen, such as waking the outbox relay.
 */
export function afterCommit(manager: EntityManager, hook: () => void): void {
  const hooks = manager.queryRunner ? afterCommitHooks.get(manager.queryRunner) : undefined;
  if (!hooks) throw new Error('afterCommit needs a manager inside inTransaction');
  hooks.push(hook);
}

const RETRYABLE_MYSQL_ERRNOS = new Set([1213 /* ER_LOCK_DEADLOCK */, 1205 /* ER_LOCK_WAIT_TIMEOUT */]);
const RETRYABLE_SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED']);
const MAX_ATTEMPTS = 4;

/** True for failures that a fresh attempt of the same transaction can succeed at. */
export function isRetryableTransactionError(error: unknown): boolean {
  const candidates = [error, (error as { driverError?: unknown } | undefined)?.driverError];
  return candidates.some((candidate) => {
    if (candidate === null || typeof candidate !== 'object') return false;
    const { errno, code } = candidate as { errno?: unknown; code?: unknown };
    return (
      (typeof errno === 'number' && RETRYABLE_MYSQL_ERRNOS.has(errno)) ||
      (typeof code === 'string' && RETRYABLE_SQLITE_CODES.has(code))
    );
  });
}

function dataSourceOf(target: DataSource | EntityManager): DataSource {
  return 'dataSource' in target ? target.dataSource : target;
}

/**
 * Runs `run` when no transaction is open on this SQLite DataSource's single connection (a statement
 * issued while another caller's transaction is open would silently join it). Other dialects run at once.
 */
export function runExclusive<T>(dataSource: DataSource, run: () => Promise<T>): Promise<T> {
  return dataSource.options.type === 'better-sqlite3' ? queuedForSqlite(dataSource, run) : run();
}

async function queuedForSqlite<T>(dataSource: DataSource, run: () => Promise<T>): Promise<T> {
  const previous = sqliteQueues.get(dataSource) ?? Promise.resolve();
  const current = previous.then(run, run);
  // The queue must keep going whether this transaction succeeds or not.
  sqliteQueues.set(
    dataSource,
    current.catch(() => undefined),
  );
  return current;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` in a transaction and returns its result. If `target` is already a transactional manager
 * (inside another `inTransaction`), `work` simply joins that transaction.
 */
export async function inTransaction<T>(target: DataSource | EntityManager, work: Work<T>): Promise<T> {
  if ('queryRunner' in target && target.queryRunner?.isTransactionActive) return work(target);
  const dataSource = dataSourceOf(target);
  let hooks: Array<() => void> = [];
  const attempt = () =>
    dataSource.transaction(async (manager) => {
      hooks = [];
      if (manager.queryRunner) afterCommitHooks.set(manager.queryRunner, hooks);
      try {
        return await work(manager);
      } finally {
        if (manager.queryRunner) afterCommitHooks.delete(manager.queryRunner);
      }
    });
  const runHooks = <T>(result: T): T => {
    for (const hook of hooks) hook();
    return result;
  };
  for (let attemptNo = 1; ; attemptNo += 1) {
    try {
      return runHooks(
        dataSource.options.type === 'better-sqlite3'
          ? await queuedForSqlite(dataSource, attempt)
          : await attempt(),
      );
    } catch (error) {
      if (attemptNo >= MAX_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
      await pause(20 * 2 ** attemptNo + Math.random() * 50);
    }
  }
}
