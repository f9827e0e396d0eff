import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger';
import type { RequestState } from './context';

const SAFE_INCOMING_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/** Health probes are polled every few seconds; logging each would drown the useful lines. */
const QUIET_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Gives each request an id (a proxy's `X-Request-Id` is kept when it looks sane), a child logger that
 * carries it, and one access-log line when the response is done.
 */
export function requestContext(logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const requestId = SAFE_INCOMING_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ reqId: requestId });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 };
      if (QUIET_PATHS.has(ctx.path) && ctx.status < 400) ctx.state.log.debug(line, 'request');
      else ctx.state.log.info(line, 'request');
    }
  };
}
