/**
 * Test support: a real database per test file (a SQLite temp file, or a freshly created MariaDB/MySQL
 * database when FIELDLINE_TEST_DB=mysql), real HTTP servers on 127.0.0.1, and loggers that capture lines.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll } from '@jest/globals';
import mysql from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { loadConfig, type Config, type DatabaseConfig } from '../src/config';
import { createDataSource } from '../src/db/data-source';
import { MYSQL_CHARSET, MYSQL_COLLATION } from '../src/db/ensure-database';
import { runPendingMigrations } from '../src/db/migrations';
import { createLogger, type Logger } from '../src/logger';

export type TestDatabaseKind = 'sqlite' | 'mysql';

export function testDatabaseKind(): TestDatabaseKind {
  const kind = process.env.FIELDLINE_TEST_DB ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'mysql')
    throw new Error(`FIELDLINE_TEST_DB must be sqlite or mysql, got ${kind}`);
  return kind;
}

/** The MySQL/MariaDB server tests create their databases on (no database part). */
export function testMysqlServerUrl(): string {
  const url = new URL(process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306');
  url.pathname = '';
  return url.toString().replace(/\/$/, '');
}

export interface TestDatabase {
  readonly config: DatabaseConfig;
  /** The temp directory (SQLite) or a fresh temp directory for files the test needs (MySQL). */
  readonly dir: string;
  drop(): Promise<void>;
}

/** Creates an empty database of the kind under test (FIELDLINE_TEST_DB). */
export async function createTestDatabase(kind: TestDatabaseKind = testDatabaseKind()): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldline-test-'));
  if (kind === 'sqlite') {
    return {
      config: { kind: 'sqlite', path: path.join(dir, 'fieldline.sqlite') },
      dir,
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const name = `fl_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const server = testMysqlServerUrl();
  const admin = await mysql.createConnection({ uri: server });
  try {
    await admin.query(
      `CREATE DATABASE \`${name}\` CHARACTER SET ${MYSQL_CHARSET} COLLATE ${MYSQL_COLLATION}`,
    );
  } finally {
    await admin.end();
  }
  return {
    config: { kind: 'mysql', url: `${server}/${name}` },
    dir,
    async drop() {
      const connection = await mysql.createConnection({ uri: server });
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Opens a DataSource on a test database, with every migration applied unless told otherwise. */
export async function openDataSource(
  config: DatabaseConfig,
  options: { migrate?: boolean } = {},
): Promise<DataSource> {
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  if (options.migrate !== false) await runPendingMigrations(dataSource);
  return dataSource;
}

export interface TestDb {
  readonly database: TestDatabase;
  readonly dataSource: DataSource;
}

/**
 * Jest hooks for a test file: one fresh, migrated database for the whole file, dropped afterwards.
 * Returns a getter because the value exists only once `beforeAll` has run.
 */
export function useTestDatabase(): () => TestDb {
  let current: TestDb | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase();
    const dataSource = await openDataSource(database.config);
    current = { database, dataSource };
  });
  afterAll(async () => {
    if (!current) return;
    await current.dataSource.destroy();
    await current.database.drop();
  });
  return () => {
    if (!current) throw new Error('test database used outside a test (beforeAll has not run)');
    return current;
  };
}

/** A configuration built only from `env` (never the developer's real environment). */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', ...env });
}

export interface CapturedLogger {
  readonly logger: Logger;
  /** Every line logged so far, parsed. */
  readonly lines: Array<Record<string, unknown>>;
}

export function captureLogger(level: 'debug' | 'info' | 'warn' = 'debug'): CapturedLogger {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

export const silentLogger: Logger = createLogger({ level: 'silent', pretty: false });

export interface TestServer {
  readonly url: string;
  readonly server: http.Server;
  close(): Promise<void>;
}

/** Serves a request handler (e.g. `app.callback()`) on 127.0.0.1 at a free port. */
export async function startTestServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => unknown,
): Promise<TestServer> {
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A TCP port free on 127.0.0.1 right now (for a server that must know its URL before it starts). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves after `ms`; for waiting on real timers (never to assert durations). */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
type Falsy = undefined | null | false | 0 | '';

export function eventually<T>(
  check: () => Promise<T | Falsy>,
  timeoutMs?: number,
  everyMs?: number,
): Promise<T>;
export function eventually<T>(check: () => T | Falsy, timeoutMs?: number, everyMs?: number): Promise<T>;
export async function eventually<T>(
  check: () => Promise<T | Falsy> | T | Falsy,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
