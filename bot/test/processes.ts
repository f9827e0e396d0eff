/** Runs TypeScript entry points in real child processes (see ts-register.js). */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const REGISTER = path.join(__dirname, 'ts-register.js');

export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<ProcessResult>;
}

export function startTsProcess(
  entry: string,
  args: readonly string[] = [],
  env: Record<string, string | undefined> = {},
): RunningProcess {
  const child = spawn(process.execPath, ['-r', REGISTER, entry, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<ProcessResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export function runTsProcess(
  entry: string,
  args: readonly string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<ProcessResult> {
  return startTsProcess(entry, args, env).exited;
}
