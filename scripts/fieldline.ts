#!/usr/bin/env node
/** Entry point of the `fieldline` CLI (`npm run fieldline -- <command>`); see scripts/cli/index.ts. */
import 'reflect-metadata';
import { runCli } from './cli';

runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `fieldline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
