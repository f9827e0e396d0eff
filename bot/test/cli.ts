/**
 * Running the `fieldline` CLI in-process from tests: the environment that points it at a test database,
 * a runner that captures what it prints, and a helper that writes input files next to the database.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../scripts/cli';
import type { TestDatabase } from './support';

/** What one CLI run printed (lines joined with \n) and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The environment that points the CLI at `database`, silent, with `extra` on top. */
export function cliEnv(database: TestDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LOG_LEVEL: 'silent',
    DATA_DIR: database.dir,
    ...(database.config.kind === 'mysql' ? { DATABASE_URL: database.config.url } : {}),
    ...extra,
  };
}

/** Runs the CLI with `argv` under `env` and captures stdout and stderr. */
export async function runCliCaptured(env: Record<string, string>, argv: readonly string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Writes `content` to `name` (sub-folders created) inside the test database's folder; returns the path. */
export async function writeTestFile(database: TestDatabase, name: string, content: string): Promise<string> {
  const target = path.join(database.dir, name);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content, 'utf8');
  return target;
}
