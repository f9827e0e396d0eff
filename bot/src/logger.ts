/**
 * Structured JSON logs (pino) for production; human-readable when attached to a terminal.
 * Secrets that could end up in a logged object are redacted by path.
 */
import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authToken',
  '*.authToken',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Pretty-print (for a developer at a terminal). Defaults to whether stdout is a TTY. */
  readonly pretty?: boolean;
  /** Write somewhere other than stdout (tests capture lines this way). */
  readonly destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    base: { service: 'fieldline' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(base);
}
