/**
 * The one TypeORM DataSource definition, used by the app, the `fieldline` CLI and the TypeORM CLI
 * (through ../../../ormconfig.ts). `synchronize` is never on: the schema comes from migrations only.
 */
import 'reflect-metadata';
import { DataSource, type DataSourceOptions, type Logger as TypeOrmLogger } from 'typeorm';
import { allMigrations } from '../../../migrations';
import type { DatabaseConfig } from '../config';
import type { Logger } from '../logger';
import { allEntities } from './entities';

/** How long a SQLite statement waits for another connection's write lock before failing (ms). */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** Forwards TypeORM's own messages to pino: slow queries and errors only, at debug/warn. */
function typeormLogger(logger: Logger): TypeOrmLogger {
  const log = logger.child({ component: 'typeorm' });
  return {
    logQuery: () => undefined,
    logQueryError: (error, query) => log.debug({ err: error, query }, 'query failed'),
    logQuerySlow: (time, query) => log.warn({ ms: time, query }, 'slow query'),
    logSchemaBuild: (message) => log.debug(message),
    logMigration: (message) => log.info(message),
    log: (level, message) => (level === 'warn' ? log.warn(String(message)) : log.debug(String(message))),
  };
}

export function dataSourceOptions(database: DatabaseConfig, logger?: Logger): DataSourceOptions {
  const common = {
    entities: allEntities,
    migrations: allMigrations,
    migrationsTableName: 'schema_migration',
    synchronize: false,
    maxQueryExecutionTime: 1000,
    ...(logger ? { logger: typeormLogger(logger) } : { logging: false as const }),
  };
  if (database.kind === 'sqlite') {
    return {
      ...common,
      type: 'better-sqlite3',
      database: database.path,
      enableWAL: true,
      timeout: SQLITE_BUSY_TIMEOUT_MS,
      // foreign_keys is switched on by TypeORM's driver; synchronous=NORMAL is the documented safe
      // pairing with WAL (durable across application crashes, fast commits).
      prepareDatabase: (db: { pragma(statement: string): unknown }) => {
        db.pragma('synchronous = NORMAL');
      },
    };
  }
  return {
    ...common,
    type: 'mysql',
    url: database.url,
    charset: 'utf8mb4_unicode_ci',
    // Store and read every DATETIME as UTC; local time is a presentation concern (config.timeZone).
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
    extra: { connectionLimit: 10, connectTimeout: 10_000, enableKeepAlive: true },
  };
}

export function createDataSource(database: DatabaseConfig, logger?: Logger): DataSource {
  return new DataSource(dataSourceOptions(database, logger));
}

export { isMysql } from './dialect';
