import type { Middleware } from 'koa';
import { AppError, ERROR_STATUS, type ErrorCode } from '../errors';
import { localeFromAcceptLanguage, t } from '../i18n';
import type { RequestState } from './context';

/** Koa/http-errors style errors (body too large, malformed JSON…) carry an HTTP status; map them to codes. */
function codeForHttpStatus(status: number): ErrorCode {
  const match = (Object.entries(ERROR_STATUS) as Array<[ErrorCode, number]>).find(
    ([, value]) => value === status,
  );
  return match?.[0] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
}

function exposedHttpStatus(error: unknown): number | undefined {
  if (error && typeof error === 'object') {
    const { status, expose } = error as { status?: unknown; expose?: unknown };
    if (typeof status === 'number' && status >= 400 && status < 500 && expose !== false) return status;
  }
  return undefined;
}

/**
 * The one HTTP error handler (DESIGN §4.8): expected errors become `{ error: { code, message,
 * requestId } }` with their status; anything else is logged with the request id and answered as a
 * generic INTERNAL error that never shows the raw message.
 */
export function errorHandler(): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const locale = localeFromAcceptLanguage(ctx.get('Accept-Language'));
      const requestId = ctx.state.requestId;
      let status: number;
      let code: ErrorCode;
      let message: string;
      let details: unknown;
      if (error instanceof AppError) {
        ({ status, code, details } = error);
        message = error.userMessage(locale, { requestId });
        if (status >= 500) ctx.state.log.error({ err: error }, 'request failed');
        else ctx.state.log.info({ code, reason: error.message }, 'request refused');
      } else if (exposedHttpStatus(error) !== undefined) {
        status = exposedHttpStatus(error) ?? 400;
        code = codeForHttpStatus(status);
        message = t(locale, `error.${code}`, { detail: '', requestId });
        ctx.state.log.info({ status, reason: (error as Error).message }, 'request refused');
      } else {
        status = 500;
        code = 'INTERNAL';
        message = t(locale, 'error.INTERNAL', { requestId });
        ctx.state.log.error({ err: error }, 'unhandled error');
      }
      ctx.status = status;
      ctx.body = { error: { code, message, requestId, ...(details === undefined ? {} : { details }) } };
    }
  };
}
