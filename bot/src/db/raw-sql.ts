/**
 * Single parameterised statements below TypeORM's query builder, for the few hot paths where its
 * per-query overhead (building SQL from metadata, broadcasting events) costs more than the database
 * work itself — the webhook inbox. SQLite statements are prepared once and reused; MySQL/MariaDB uses
 * server-side prepared statements (mysql2 `execute`). Write SQL that both dialects accept.
 */
import type { DataSource } from 'typeorm';
import { runExclusive } from './transaction';

export interface WriteResult {
  readonly affectedRows: number;
  readonly insertId: number;
}

interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  all(...params: unknown[]): unknown[];
}
interface SqliteHandle {
  prepare(sql: string): SqliteStatement;
}
interface MysqlPool {
  execute(sql: string, params: unknown[], callback: (error: Error | null, result: unknown) => void): void;
}

const sqliteStatements = new WeakMap<DataSource, Map<string, SqliteStatement>>();

function sqliteStatement(dataSource: DataSource, sql: string): SqliteStatement {
  let cache = sqliteStatements.get(dataSource);
  if (!cache) {
    cache = new Map();
    sqliteStatements.set(dataSource, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    const handle = (dataSource.driver as unknown as { databaseConnection: SqliteHandle }).databaseConnection;
    statement = handle.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

function mysqlExecute(dataSource: DataSource, sql: string, params: unknown[]): Promise<unknown> {
  const pool = (dataSource.driver as unknown as { pool: MysqlPool }).pool;
  return new Promise((resolve, reject) => {
    pool.execute(sql, params, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const isSqlite = (dataSource: DataSource) => dataSource.options.type === 'better-sqlite3';

/** A parameter in the form the dialect stores: SQLite keeps TypeORM's UTC text, MySQL takes a Date. */
export function sqlValue(dataSource: DataSource, value: unknown): unknown {
  if (value instanceof Date && isSqlite(dataSource))
    return value.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value === undefined ? null : value;
}

/** INSERT/UPDATE/DELETE outside any transaction (autocommit), serialised with SQLite transactions. */
export function executeWrite(
  dataSource: DataSource,
  sql: string,
  params: readonly unknown[],
): Promise<WriteResult> {
  const values = params.map((param) => sqlValue(dataSource, param));
  if (isSqlite(dataSource)) {
    return runExclusive(dataSource, () => {
      const result = sqliteStatement(dataSource, sql).run(...values);
      return Promise.resolve({ affectedRows: result.changes, insertId: Number(result.lastInsertRowid) });
    });
  }
  return mysqlExecute(dataSource, sql, values).then((result) => {
    const header = result as { affectedRows: number; insertId: number };
    return { affectedRows: header.affectedRows, insertId: header.insertId };
  });
}

/** True for a unique-key violation in either dialect (raw driver errors or TypeORM's wrapper). */
export function isUniqueViolation(error: unknown): boolean {
  const candidates = [error, (error as { driverError?: unknown } | undefined)?.driverError];
  return candidates.some((candidate) => {
    if (candidate === null || typeof candidate !== 'object') return false;
    const { errno, code } = candidate as { errno?: unknown; code?: unknown };
    return errno === 1062 || code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
  });
}
