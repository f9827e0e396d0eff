import Router from '@koa/router';
import type { Readiness } from '../db/lifecycle';
import type { RequestState } from './context';

export interface HealthDeps {
  readonly readiness: () => Promise<Readiness>;
}

/**
 * `GET /healthz`: the process is up and serving (liveness). `GET /readyz`: the database answers and
 * every migration is applied (readiness); 503 with the reason otherwise.
 */
export function healthRoutes(deps: HealthDeps): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const readiness = await deps.readiness();
    ctx.status = readiness.ready ? 200 : 503;
    ctx.body = readiness.ready ? { status: 'ready' } : { status: 'not_ready', reason: readiness.reason };
  });
  return router;
}
