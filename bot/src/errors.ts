/**
 * The small error catalogue (DESIGN §4.8). Codes are stable: clients, tests and the bot's replies rely on
 * them. The web maps a code to its HTTP status; the bot maps it to a short, polite catalog message.
 */
import { t, type Locale, type MessageKey, type MessageParams } from './i18n';

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ILLEGAL_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface AppErrorOptions {
  /** Parameters for the catalog message (e.g. `detail` for VALIDATION_FAILED). */
  readonly params?: MessageParams;
  /** Extra machine-readable facts for the caller (e.g. field errors); never secrets. */
  readonly details?: unknown;
  readonly cause?: unknown;
}

/** An expected failure with a stable code. Anything else reaching an edge is a bug (INTERNAL). */
export class AppError extends Error {
  readonly status: number;
  readonly params: MessageParams;
  readonly details: unknown;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    options: AppErrorOptions = {},
  ) {
    super(message ?? code, { cause: options.cause });
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
    this.params = options.params ?? {};
    this.details = options.details;
  }

  /** The message shown to a person, in their language. */
  userMessage(locale: Locale, context: MessageParams = {}): string {
    return t(locale, `error.${this.code}` as MessageKey, { detail: '', ...context, ...this.params });
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
