/**
 * The database as the running service sees it: connect (retrying with backoff while the server is not
 * there yet), migrate, then serve; `readiness()` says, in words, why the service is not ready.
 */
import type { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../config';
import { AppError } from '../errors';
import { t, DEFAULT_LOCALE } from '../i18n';
import type { Logger } from '../logger';
import { createDataSource } from './data-source';
import { ensureDatabase } from './ensure-database';
import { migrationStatus, runPendingMigrations } from './migrations';

export type DatabasePhase = 'connecting' | 'migrating' | 'ready' | 'closed';

export interface Readiness {
  readonly ready: boolean;
  readonly reason?: string;
}

export interface DatabaseLifecycleOptions {
  readonly config: DatabaseConfig;
  readonly logger: Logger;
  /** Backoff bounds between connection attempts. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Apply pending migrations on open (the service does; the CLI's `migrate status` does not). */
  readonly migrate?: boolean;
}

const READINESS_QUERY_TIMEOUT_MS = 2000;

/** Short, log-safe description of a connection failure (never the URL, which may hold a password). */
export function describeDbError(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message.replace(/mysql:\/\/[^@\s]*@/g, 'mysql://***@') : '';
    return [typeof code === 'string' ? code : undefined, text].filter(Boolean).join(': ').slice(0, 300);
  }
  return String(error);
}

export class DatabaseLifecycle {
  private phase: DatabasePhase = 'connecting';
  private attempt = 0;
  private lastError = 'not started';
  private current: DataSource | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: DatabaseLifecycleOptions) {}

  get state(): { phase: DatabasePhase; attempt: number } {
    return { phase: this.phase, attempt: this.attempt };
  }

  /** The connected DataSource; throws UNAVAILABLE (503) until the database is ready. */
  get dataSource(): DataSource {
    if (this.phase !== 'ready' || !this.current) {
      throw new AppError('UNAVAILABLE', `database ${this.phase}`);
    }
    return this.current;
  }

  /**
   * Connects, retrying with exponential backoff until it works or `close()` is called, then applies
   * pending migrations. Resolves with the DataSource once ready.
   */
  async open(): Promise<DataSource> {
    const { logger } = this.options;
    const initialDelay = this.options.initialDelayMs ?? 500;
    const maxDelay = this.options.maxDelayMs ?? 15_000;
    while (this.phase === 'connecting') {
      this.attempt += 1;
      const dataSource = createDataSource(this.options.config, logger);
      try {
        await ensureDatabase(this.options.config);
        await dataSource.initialize();
        this.current = dataSource;
        break;
      } catch (error) {
        this.lastError = describeDbError(error);
        if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
        const delay = Math.min(maxDelay, initialDelay * 2 ** (this.attempt - 1));
        logger.warn(
          {
            attempt: this.attempt,
            retryInMs: delay,
            reason: this.lastError,
            database: this.options.config.kind,
          },
          'database not reachable; will retry (check DATABASE_URL and that the server is running)',
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = undefined;
      }
    }
    if (this.phase === 'closed' || !this.current) {
      await this.current?.destroy();
      throw new AppError('UNAVAILABLE', 'database closed before it was ready');
    }
    logger.info({ attempt: this.attempt, database: this.options.config.kind }, 'database connected');
    if (this.options.migrate !== false) {
      this.phase = 'migrating';
      const applied = await runPendingMigrations(this.current);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    if (this.phase === 'migrating' || this.phase === 'connecting') this.phase = 'ready';
    return this.current;
  }

  /** Whether the service can take traffic, and if not, why (in the default language). */
  async readiness(): Promise<Readiness> {
    const say = (key: Parameters<typeof t>[1], params = {}) => t(DEFAULT_LOCALE, key, params);
    switch (this.phase) {
      case 'connecting':
        return {
          ready: false,
          reason: say('health.notReady.connecting', { attempt: this.attempt, reason: this.lastError }),
        };
      case 'migrating':
        return { ready: false, reason: say('health.notReady.migrating') };
      case 'closed':
        return { ready: false, reason: say('health.notReady.closed') };
      case 'ready':
        break;
    }
    const dataSource = this.dataSource;
    try {
      const status = await withTimeout(migrationStatus(dataSource), READINESS_QUERY_TIMEOUT_MS);
      if (status.pending.length > 0) {
        return {
          ready: false,
          reason: say('health.notReady.pendingMigrations', { count: status.pending.length }),
        };
      }
      return { ready: true };
    } catch (error) {
      return { ready: false, reason: say('health.notReady.unreachable', { reason: describeDbError(error) }) };
    }
  }

  async close(): Promise<void> {
    this.phase = 'closed';
    this.wakeUp?.();
    if (this.current?.isInitialized) await this.current.destroy();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'TIMEOUT' })),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
