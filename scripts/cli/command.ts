import { userInfo } from 'node:os';
import type { DataSource } from 'typeorm';
import type { Config } from '../../bot/src/config';
import type { Logger } from '../../bot/src/logger';
import type { Services } from '../../bot/src/services';

/** What a CLI command gets: where to print, and lazily, the configuration and a database connection. */
export interface CliContext {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly config: () => Config;
  readonly logger: () => Logger;
  /** Connects once (no retries: a CLI should fail fast and say why); closed when the command ends. */
  readonly database: () => Promise<DataSource>;
  /** Like `database()`, but refuses to go on while migrations are pending. */
  readonly migratedDatabase: () => Promise<DataSource>;
  /** The application's services (WeCom channel, jobs) on the migrated database. */
  readonly services: () => Promise<Services>;
}

export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** Shown by `fieldline help <command>`; the first line is the synopsis. */
  readonly usage: string;
  /** Returns the process exit code. */
  run(args: readonly string[], context: CliContext): Promise<number>;
}

/** A usage mistake: printed with the command's usage, exit code 64 (EX_USAGE). */
export class UsageError extends Error {}

/** Who acts when a command changes data, for audit rows and authorship: `cli:<OS user>`. */
export const cliActor = (): string => `cli:${userInfo().username}`;
