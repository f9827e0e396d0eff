import type Router from '@koa/router';
import { PassThrough } from 'node:stream';
import type { Staff } from '../../../bot/src/features/staff';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html } from '../html';
import { layout } from '../layout';
import type { QueueDefinition } from '../queues';

async function counts(deps: AdminDeps, user: Staff): Promise<Record<string, number>> {
  const visible = deps.queues.filter((queue) => queue.isVisibleTo(user));
  const manager = deps.dataSource().manager;
  const values = await Promise.all(visible.map((queue) => queue.count(manager, user)));
  return Object.fromEntries(visible.map((queue, index) => [queue.key, values[index] ?? 0]));
}

function homePage(
  ctx: AdminContext,
  deps: AdminDeps,
  queues: readonly QueueDefinition[],
  current: Record<string, number>,
): string {
  const { say, user } = ctx.state;
  if (!user) return '';
  return layout(ctx.state, {
    title: say('web.home.title'),
    active: 'home',
    body: html`<p>${say('web.home.welcome', { name: user.name, role: say(`web.role.${user.role}`) })}</p>
      <section class="card">
        <h2>${say('web.home.queues')}</h2>
        ${
          queues.length === 0
            ? html`<p>${say('web.home.noQueues')}</p>`
            : html`<ul class="queues" id="queues" data-events="/admin/events">
                  ${queues.map(
                    (queue) =>
                      html`<li>
                        <a href="${queue.href}">${say(queue.title)}</a
                        ><span class="count" data-queue="${queue.key}">${current[queue.key] ?? 0}</span>
                      </li>`,
                  )}
                </ul>
                <button type="button" id="enable-notify" class="secondary">${say('web.home.notify')}</button>`
        }
      </section>`,
  });
}

/**
 * The home page and its live feed: `GET /admin/events` is a Server-Sent Events stream of the signed-in
 * person's queue counts, recomputed every few seconds and sent only when they change. It only ever
 * contains the queues that person may see.
 */
export function homeRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'home') => AdminMiddleware,
): void {
  router.get('/admin', guard('home'), async (ctx) => {
    const user = ctx.state.user;
    if (!user) return;
    const queues = deps.queues.filter((queue) => queue.isVisibleTo(user));
    ctx.type = 'html';
    ctx.body = homePage(ctx, deps, queues, await counts(deps, user));
  });

  router.get('/admin/events', guard('home'), (ctx) => {
    const user = ctx.state.user;
    if (!user) return;
    const stream = new PassThrough();
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    ctx.status = 200;
    ctx.body = stream;
    let last = '';
    let ticks = 0;
    const push = async () => {
      try {
        const data = JSON.stringify(await counts(deps, user));
        if (data !== last) {
          last = data;
          stream.write(`event: queues\ndata: ${data}\n\n`);
        } else if (++ticks % 10 === 0) {
          stream.write(': keep-alive\n\n');
        }
      } catch (error) {
        ctx.state.log.warn({ err: error }, 'live queue update failed');
      }
    };
    void push();
    const timer = setInterval(() => void push(), deps.liveIntervalMs ?? 2000);
    const stop = () => {
      clearInterval(timer);
      stream.end();
    };
    ctx.req.on('close', stop);
    stream.on('error', stop);
  });
}
