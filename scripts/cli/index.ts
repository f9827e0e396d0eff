/**
 * The `fieldline` CLI: a registry of commands and the runner that gives them configuration, a logger and
 * a database connection on demand. Feature issues add their commands to `commands`.
 */
import type { DataSource } from 'typeorm';
import { ConfigError, loadConfig, type Config } from '../../bot/src/config';
import { createDataSource } from '../../bot/src/db/data-source';
import { ensureDatabase } from '../../bot/src/db/ensure-database';
import { describeDbError } from '../../bot/src/db/lifecycle';
import { migrationStatus } from '../../bot/src/db/migrations';
import { instanceId } from '../../bot/src/instance-id';
import { createLogger, type Logger } from '../../bot/src/logger';
import { createServices, type Services } from '../../bot/src/services';
import { UsageError, type CliCommand, type CliContext } from './command';
import { userPasswdCommand } from './accounts.command';
import { jobListCommand, jobRunCommand } from './jobs.command';
import { migrateCommand } from './migrate.command';
import { outboxListCommand, outboxRetryCommand } from './outbox.command';
import {
  rosterExportCommand,
  rosterImportCommand,
  userAddCommand,
  userDeactivateCommand,
} from './staff.command';
import { kbImportCommand } from './kb.command';
import { settingsListCommand, settingsResetCommand, settingsSetCommand } from './settings.command';
import { simCommand, wecomMenuCommand } from './wecom.command';
import { ticketsImportCommand } from './tickets.command';
import { quizExportCommand, quizImportCommand } from './quiz.command';

export const commands: readonly CliCommand[] = [
  migrateCommand,
  jobListCommand,
  jobRunCommand,
  outboxListCommand,
  outboxRetryCommand,
  rosterImportCommand,
  rosterExportCommand,
  userAddCommand,
  userDeactivateCommand,
  userPasswdCommand,
  settingsListCommand,
  settingsSetCommand,
  settingsResetCommand,
  kbImportCommand,
  ticketsImportCommand,
  quizImportCommand,
  quizExportCommand,
  wecomMenuCommand,
  simCommand,
];

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** The environment to configure from; tests pass their own, the CLI leaves it to config.ts. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A failure the CLI reports as one plain line (no stack trace), e.g. an unreachable database. */
class CliFailure extends Error {}

function helpText(): string {
  const width = Math.max(...commands.map((command) => command.name.length)) + 2;
  return [
    'Usage: fieldline <command> [arguments]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    `  ${'help'.padEnd(width)}Show this help, or a command's usage: fieldline help <command>`,
    '',
    'Configuration comes from the environment (see .env.example), as for the service.',
  ].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((command) => command.name === args[0]) : undefined;
    io.out(topic ? topic.usage : helpText());
    return 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    io.err(`Unknown command "${name}".\n\n${helpText()}`);
    return 64;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.usage);
    return 0;
  }

  let config: Config | undefined;
  let logger: Logger | undefined;
  let dataSource: DataSource | undefined;
  let services: Services | undefined;
  const context: CliContext = {
    out: io.out,
    err: io.err,
    config: () => (config ??= loadConfig(io.env)),
    logger: () => (logger ??= createLogger({ level: context.config().logLevel, pretty: false })),
    async database() {
      if (dataSource) return dataSource;
      const databaseConfig = context.config().database;
      const candidate = createDataSource(databaseConfig);
      try {
        await ensureDatabase(databaseConfig);
        await candidate.initialize();
      } catch (error) {
        throw new CliFailure(
          `Cannot reach the ${databaseConfig.kind} database: ${describeDbError(error)}. Check DATABASE_URL.`,
        );
      }
      return (dataSource = candidate);
    },
    async migratedDatabase() {
      const ready = await context.database();
      const { pending } = await migrationStatus(ready);
      if (pending.length > 0) {
        throw new CliFailure(`${pending.length} migration(s) pending; run "fieldline migrate up" first.`);
      }
      return ready;
    },
    async services() {
      if (services) return services;
      const ready = await context.migratedDatabase();
      const config = context.config();
      services = await createServices({
        config,
        logger: context.logger(),
        dataSource: () => ready,
        owner: `cli:${instanceId()}`,
        selfBaseUrl: () => `http://127.0.0.1:${config.port}`,
      });
      return services;
    },
  };

  try {
    return await command.run(args, context);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\nUsage: ${command.usage}`);
      return 64;
    }
    if (error instanceof ConfigError || error instanceof CliFailure) {
      io.err(error.message);
      return error instanceof ConfigError ? 2 : 1;
    }
    throw error;
  } finally {
    if (dataSource?.isInitialized) await dataSource.destroy();
  }
}
