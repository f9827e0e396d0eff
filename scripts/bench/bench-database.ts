/**
 * The databases a database benchmark runs on: a temporary SQLite file, and — only on an explicit
 * `--mysql` — a MySQL/MariaDB database that is dropped, created afresh, migrated and dropped again.
 * Because it is dropped, its name must contain "bench"; anything else is refused before any run starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { loadConfig, type DatabaseConfig } from '../../bot/src/config';
import { createDataSource } from '../../bot/src/db/data-source';
import { ensureDatabase, splitMysqlUrl } from '../../bot/src/db/ensure-database';
import { runPendingMigrations } from '../../bot/src/db/migrations';
import { createLogger } from '../../bot/src/logger';

/** The `parseArgs` options choosing the databases; spread them into a benchmark's own options. */
export const BENCH_DATABASE_OPTIONS = {
  mysql: { type: 'boolean', default: false },
  'mysql-url': { type: 'string' },
  'skip-sqlite': { type: 'boolean', default: false },
} as const;

/** The parsed values of {@link BENCH_DATABASE_OPTIONS}. */
export interface BenchDatabaseChoice {
  readonly mysql: boolean;
  readonly 'mysql-url'?: string | undefined;
  readonly 'skip-sqlite': boolean;
}

/** What differs between benchmarks: the MySQL URL used when none is given, and the temp dir prefix. */
export interface BenchDatabaseDefaults {
  /** Used on --mysql without --mysql-url when DATABASE_URL does not name MySQL; must contain "bench". */
  readonly mysqlUrl: string;
  /** Prefix of the temporary directory holding the SQLite file. */
  readonly tempPrefix: string;
}

/** A benchmark body: runs against one database, `label` naming it in the printed results. */
export type BenchOnDatabase = (label: string, database: DatabaseConfig) => Promise<void>;

/**
 * Runs `bench` on SQLite (unless --skip-sqlite) and then on MySQL/MariaDB (only with --mysql: on
 * --mysql-url, else DATABASE_URL when it names MySQL, else `defaults.mysqlUrl`). Throws before running
 * anything when the MySQL database name does not contain "bench".
 */
export async function runOnBenchDatabases(
  choice: BenchDatabaseChoice,
  defaults: BenchDatabaseDefaults,
  bench: BenchOnDatabase,
): Promise<void> {
  const configured = loadConfig().database;
  // The database is dropped: only on an explicit --mysql, and only one named for benchmarks.
  const mysqlUrl = choice.mysql
    ? (choice['mysql-url'] ?? (configured.kind === 'mysql' ? configured.url : defaults.mysqlUrl))
    : undefined;
  if (!choice.mysql && (choice['mysql-url'] || configured.kind === 'mysql'))
    console.log('MySQL/MariaDB skipped: pass --mysql to run it (its database is dropped).');
  if (mysqlUrl && !splitMysqlUrl(mysqlUrl).database.toLowerCase().includes('bench'))
    throw new Error(
      `refusing to drop database "${splitMysqlUrl(mysqlUrl).database}": a benchmark database name must contain "bench"`,
    );

  if (!choice['skip-sqlite']) {
    const dir = mkdtempSync(path.join(tmpdir(), defaults.tempPrefix));
    try {
      await bench('SQLite', { kind: 'sqlite', path: path.join(dir, 'bench.sqlite') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (mysqlUrl) {
    const { serverUrl, database } = splitMysqlUrl(mysqlUrl);
    const drop = async () => {
      const admin = await mysql.createConnection({ uri: serverUrl });
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    };
    await drop();
    try {
      await bench(`MySQL/MariaDB (${database})`, { kind: 'mysql', url: mysqlUrl });
    } finally {
      await drop();
    }
  }
}

/**
 * Creates `database` if needed, opens it with every migration applied, runs `work` and closes it. The
 * logger is silent: TypeORM would otherwise print every statement over 1 s (ANALYZE, bulk inserts).
 */
export async function withMigratedDatabase<T>(
  database: DatabaseConfig,
  work: (dataSource: DataSource) => Promise<T>,
): Promise<T> {
  await ensureDatabase(database);
  const dataSource = createDataSource(database, createLogger({ level: 'silent', pretty: false }));
  await dataSource.initialize();
  try {
    await runPendingMigrations(dataSource);
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/** Refreshes the planner's statistics after a bulk fill, so timings reflect the indexes in use. */
export async function analyzeTables(
  dataSource: DataSource,
  database: DatabaseConfig,
  mysqlTables: readonly string[],
): Promise<void> {
  if (database.kind === 'mysql') await dataSource.query(`ANALYZE TABLE ${mysqlTables.join(', ')}`);
  else await dataSource.query('ANALYZE');
}
