import type { EntityManager } from 'typeorm';
import type { Logger } from '../logger';

export interface JobContext {
  /** The instant the run is for (the scheduled tick, or the moment of a manual run). */
  readonly now: Date;
  /** A non-transactional manager; open transactions with `inTransaction(manager, …)`. */
  readonly manager: EntityManager;
  readonly logger: Logger;
}

/**
 * A scheduled job (DESIGN §4.6): a plain object. Tests call `run` directly with a fixed `now`; the
 * scheduler makes sure one tick runs once across all instances.
 */
export interface Job {
  /** kebab-case, unique, at most 40 characters (it names a lock). */
  readonly name: string;
  readonly description: string;
  /** node-cron expression (5 fields, or 6 with seconds first), in the configured TZ. */
  readonly schedule: string;
  /** Upper bound of one run; also the SQLite lease. Defaults to 10 minutes. */
  readonly timeoutMs?: number;
  /** Jobs that tick every few seconds log their runs at debug, not info. */
  readonly isFrequent?: boolean;
  /** Returns a one-line summary for `job:list` and the logs. */
  run(context: JobContext): Promise<string | void>;
}
