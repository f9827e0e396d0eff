/**
 * `createApp(deps)`: the Koa application — request id and access log, the error handler, baseline
 * security headers, and every route. No listening, no process state: tests build as many as they like.
 */
import type Router from '@koa/router';
import Koa from 'koa';
import type { Readiness } from './db/lifecycle';
import { AppError } from './errors';
import type { RequestState } from './http/context';
import { errorHandler } from './http/error-handler';
import { healthRoutes } from './http/health.routes';
import { requestContext } from './http/request-id';
import type { Logger } from './logger';

export interface AppDeps {
  readonly logger: Logger;
  readonly readiness: () => Promise<Readiness>;
  /** Feature and channel routes (the WeCom webhook, the development fake WeCom API, …). */
  readonly routers?: readonly Router[];
  /** Trust X-Forwarded-* (behind a reverse proxy that sets them). */
  readonly trustProxy?: boolean;
}

export function createApp(deps: AppDeps): Koa<RequestState> {
  const app = new Koa<RequestState>({ proxy: deps.trustProxy ?? false });
  // Errors are answered by errorHandler; Koa's default handler would only log them a second time.
  app.silent = true;

  app.use(requestContext(deps.logger));
  app.use(errorHandler());
  app.use(async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.set('X-Frame-Options', 'DENY');
    await next();
    if (ctx.status === 404 && (ctx.body === undefined || ctx.body === null))
      throw new AppError('NOT_FOUND', `no route for ${ctx.path}`);
  });

  for (const router of [healthRoutes({ readiness: deps.readiness }), ...(deps.routers ?? [])]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
