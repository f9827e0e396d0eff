/**
 * The admin web, served at /admin by the same process (DESIGN §3, §4.14): server-rendered pages with
 * escaped-by-default templates, a small script for live queues, zh-CN by default with an en-US switch.
 * Every route states the capability it needs here; access.ts says who has it.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Router from '@koa/router';
import { AppError } from '../../bot/src/errors';
import type { RequestState } from '../../bot/src/http/context';
import { can, type Capability } from './access';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from './context';
import { html } from './html';
import { layout } from './layout';
import { articleDetailRoutes } from './pages/article-detail';
import { articleEditRoutes } from './pages/article-edit';
import { articleListRoutes } from './pages/articles';
import { auditRoutes } from './pages/audit';
import { completionDetailRoutes } from './pages/completion-detail';
import { completionStatsRoutes } from './pages/completion-stats';
import { completionQueueRoutes } from './pages/completions';
import { accountRoutes, authRoutes } from './pages/auth';
import { dutyRoutes } from './pages/duty';
import { homeRoutes } from './pages/home';
import { kbRoutes } from './pages/kb';
import { pointsRoutes } from './pages/points';
import { quizRoutes } from './pages/quiz';
import { quizQuestionRoutes } from './pages/quiz-question';
import { outboxRoutes } from './pages/outbox';
import { reportDetailRoutes } from './pages/report-detail';
import { reportStatsRoutes } from './pages/report-stats';
import { reportQueueRoutes } from './pages/reports';
import { ratingReviewRoutes } from './pages/rating-review';
import { ratingPendingRoutes } from './pages/rating-pending';
import { ticketDetailRoutes } from './pages/ticket-detail';
import { ticketStatsRoutes } from './pages/ticket-stats';
import { ticketQueueRoutes } from './pages/tickets';
import { rosterRoutes } from './pages/roster';
import { videoRoutes } from './pages/videos';
import { adminContext } from './security';

const STATIC_DIR = path.join(__dirname, 'static');
const STATIC_FILES: Readonly<Record<string, string>> = {
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'rating-review.js': 'text/javascript; charset=utf-8',
};
/**
 * Browser libraries served from node_modules (no CDN, and the CSP allows only this origin). Read once when
 * the router is built: a production image has node_modules but not the sources.
 */
const VENDOR_FILES: Readonly<Record<string, string>> = {
  'echarts.min.js': require.resolve('echarts/dist/echarts.min.js'),
};

/** Every route with the capability it needs (the access matrix test walks this list). */
export const ADMIN_ROUTES: ReadonlyArray<{
  method: 'GET' | 'POST';
  path: string;
  capability: Capability | 'public';
}> = [
  { method: 'GET', path: '/admin/login', capability: 'public' },
  { method: 'POST', path: '/admin/login', capability: 'public' },
  { method: 'POST', path: '/admin/logout', capability: 'public' },
  { method: 'POST', path: '/admin/lang', capability: 'public' },
  { method: 'GET', path: '/admin', capability: 'home' },
  { method: 'GET', path: '/admin/events', capability: 'home' },
  { method: 'GET', path: '/admin/account/password', capability: 'account' },
  { method: 'POST', path: '/admin/account/password', capability: 'account' },
  { method: 'GET', path: '/admin/roster', capability: 'roster.read' },
  { method: 'GET', path: '/admin/roster/export.csv', capability: 'roster.write' },
  { method: 'GET', path: '/admin/roster/new', capability: 'roster.write' },
  { method: 'POST', path: '/admin/roster', capability: 'roster.write' },
  { method: 'POST', path: '/admin/roster/import', capability: 'roster.write' },
  { method: 'GET', path: '/admin/roster/:id', capability: 'roster.read' },
  { method: 'POST', path: '/admin/roster/:id', capability: 'roster.write' },
  { method: 'POST', path: '/admin/roster/:id/deactivate', capability: 'roster.write' },
  { method: 'POST', path: '/admin/roster/:id/unbind', capability: 'roster.write' },
  { method: 'POST', path: '/admin/roster/:id/password', capability: 'roster.write' },
  { method: 'GET', path: '/admin/duty', capability: 'duty.read' },
  { method: 'POST', path: '/admin/duty/:groupId/members/:staffId', capability: 'duty.switch' },
  { method: 'GET', path: '/admin/outbox', capability: 'outbox.read' },
  { method: 'POST', path: '/admin/outbox/:id/retry', capability: 'outbox.retry' },
  { method: 'GET', path: '/admin/audit', capability: 'audit.read' },
  { method: 'GET', path: '/admin/hazards', capability: 'reports.read' },
  { method: 'GET', path: '/admin/leads', capability: 'reports.read' },
  { method: 'GET', path: '/admin/reports/:id', capability: 'reports.read' },
  { method: 'GET', path: '/admin/reports/:id/photos/:index', capability: 'reports.read' },
  { method: 'POST', path: '/admin/reports/:id/assign', capability: 'reports.act' },
  { method: 'POST', path: '/admin/reports/:id/note', capability: 'reports.act' },
  { method: 'POST', path: '/admin/reports/:id/close', capability: 'reports.act' },
  { method: 'POST', path: '/admin/reports/:id/reopen', capability: 'reports.act' },
  { method: 'GET', path: '/admin/report-stats', capability: 'reports.stats' },
  { method: 'GET', path: '/admin/report-stats.csv', capability: 'reports.stats' },
  { method: 'GET', path: '/admin/kb', capability: 'kb.read' },
  { method: 'GET', path: '/admin/kb/new', capability: 'kb.write' },
  { method: 'POST', path: '/admin/kb/new', capability: 'kb.write' },
  { method: 'GET', path: '/admin/kb/:id', capability: 'kb.read' },
  { method: 'GET', path: '/admin/kb/:id/edit', capability: 'kb.write' },
  { method: 'POST', path: '/admin/kb/:id/edit', capability: 'kb.write' },
  { method: 'GET', path: '/admin/kb/:id/photos/:index', capability: 'kb.read' },
  { method: 'GET', path: '/admin/tickets', capability: 'tickets.read' },
  { method: 'GET', path: '/admin/tickets/:id', capability: 'tickets.read' },
  { method: 'GET', path: '/admin/tickets/:id/media/:key', capability: 'tickets.read' },
  { method: 'POST', path: '/admin/tickets/:id/claim', capability: 'tickets.act' },
  { method: 'POST', path: '/admin/tickets/:id/reply', capability: 'tickets.act' },
  { method: 'POST', path: '/admin/tickets/:id/request', capability: 'tickets.act' },
  { method: 'POST', path: '/admin/tickets/:id/escalate', capability: 'tickets.act' },
  { method: 'POST', path: '/admin/tickets/:id/send-back', capability: 'tickets.act' },
  { method: 'POST', path: '/admin/tickets/:id/resolve', capability: 'tickets.act' },
  { method: 'POST', path: '/admin/tickets/:id/promote', capability: 'kb.write' },
  { method: 'GET', path: '/admin/ticket-stats', capability: 'tickets.stats' },
  { method: 'GET', path: '/admin/ticket-stats.csv', capability: 'tickets.stats' },
  { method: 'GET', path: '/admin/completions', capability: 'completions.read' },
  { method: 'GET', path: '/admin/completions/:id', capability: 'completions.read' },
  { method: 'GET', path: '/admin/completions/:id/photos/:index', capability: 'completions.read' },
  { method: 'POST', path: '/admin/completions/:id/claim', capability: 'completions.act' },
  { method: 'POST', path: '/admin/completions/:id/complete', capability: 'completions.act' },
  { method: 'POST', path: '/admin/completions/:id/reject', capability: 'completions.act' },
  { method: 'GET', path: '/admin/completion-stats', capability: 'completions.stats' },
  { method: 'GET', path: '/admin/completion-stats.csv', capability: 'completions.stats' },
  { method: 'GET', path: '/admin/ratings', capability: 'ratings.review' },
  { method: 'GET', path: '/admin/ratings.csv', capability: 'ratings.review' },
  { method: 'GET', path: '/admin/ratings/staff/:id', capability: 'ratings.review' },
  { method: 'GET', path: '/admin/ratings/sheet', capability: 'ratings.review' },
  { method: 'GET', path: '/admin/ratings/sheet.csv', capability: 'ratings.review' },
  { method: 'GET', path: '/admin/ratings/sheet.xlsx', capability: 'ratings.review' },
  { method: 'GET', path: '/admin/ratings/me', capability: 'ratings.self' },
  { method: 'GET', path: '/admin/ratings/pending', capability: 'ratings.rate' },
  { method: 'POST', path: '/admin/ratings/pending/:id', capability: 'ratings.rate' },
  { method: 'GET', path: '/admin/quiz', capability: 'quiz.read' },
  { method: 'POST', path: '/admin/quiz/levels', capability: 'quiz.write' },
  { method: 'POST', path: '/admin/quiz/levels/:id', capability: 'quiz.write' },
  { method: 'POST', path: '/admin/quiz/levels/:id/move', capability: 'quiz.write' },
  { method: 'POST', path: '/admin/quiz/import', capability: 'quiz.write' },
  { method: 'GET', path: '/admin/quiz/export.csv', capability: 'quiz.read' },
  { method: 'GET', path: '/admin/quiz/export.json', capability: 'quiz.read' },
  { method: 'GET', path: '/admin/quiz/levels.csv', capability: 'quiz.read' },
  { method: 'GET', path: '/admin/quiz/levels.json', capability: 'quiz.read' },
  { method: 'GET', path: '/admin/quiz/questions', capability: 'quiz.read' },
  { method: 'GET', path: '/admin/quiz/questions/new', capability: 'quiz.write' },
  { method: 'POST', path: '/admin/quiz/questions', capability: 'quiz.write' },
  { method: 'GET', path: '/admin/quiz/questions/:id', capability: 'quiz.read' },
  { method: 'POST', path: '/admin/quiz/questions/:id', capability: 'quiz.write' },
  { method: 'POST', path: '/admin/quiz/questions/:id/active', capability: 'quiz.write' },
  { method: 'GET', path: '/admin/points', capability: 'points.read' },
  { method: 'GET', path: '/admin/points.csv', capability: 'points.read' },
  { method: 'GET', path: '/admin/points.xlsx', capability: 'points.read' },
  { method: 'GET', path: '/admin/points/staff/:id', capability: 'points.read' },
  { method: 'GET', path: '/admin/articles', capability: 'broadcast.read' },
  { method: 'GET', path: '/admin/articles/new', capability: 'broadcast.write' },
  { method: 'POST', path: '/admin/articles/new', capability: 'broadcast.write' },
  { method: 'GET', path: '/admin/articles/:id', capability: 'broadcast.read' },
  { method: 'GET', path: '/admin/articles/:id/cover', capability: 'broadcast.read' },
  { method: 'GET', path: '/admin/articles/:id/edit', capability: 'broadcast.write' },
  { method: 'POST', path: '/admin/articles/:id/edit', capability: 'broadcast.write' },
  { method: 'GET', path: '/admin/articles/:id/send', capability: 'broadcast.write' },
  { method: 'POST', path: '/admin/articles/:id/send', capability: 'broadcast.write' },
  { method: 'POST', path: '/admin/articles/:id/cancel', capability: 'broadcast.write' },
  { method: 'POST', path: '/admin/articles/:id/remind', capability: 'broadcast.write' },
  { method: 'GET', path: '/admin/videos', capability: 'broadcast.read' },
  { method: 'GET', path: '/admin/videos/new', capability: 'broadcast.write' },
  { method: 'POST', path: '/admin/videos/new', capability: 'broadcast.write' },
  { method: 'GET', path: '/admin/videos/:id', capability: 'broadcast.read' },
  { method: 'POST', path: '/admin/videos/:id', capability: 'broadcast.write' },
  { method: 'GET', path: '/admin/videos/:id/cover', capability: 'broadcast.read' },
  { method: 'POST', path: '/admin/videos/:id/active', capability: 'broadcast.write' },
  { method: 'POST', path: '/admin/videos/:id/move', capability: 'broadcast.write' },
];

function errorPage(ctx: AdminContext, status: number, text: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = layout(ctx.state, {
    title: String(status),
    notice: { kind: 'error', text },
    body: html`<p><a href="/admin">${ctx.state.say('web.nav.home')}</a></p>`,
  });
}

export function createAdminRouter(deps: AdminDeps): Router<RequestState> {
  const router = new Router<AdminState>();
  router.use('/admin', adminContext(deps));
  router.use('/admin', async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      const { say } = ctx.state;
      const csrf = (error.details as { csrf?: boolean } | undefined)?.csrf === true;
      const text = csrf
        ? say('web.csrf')
        : error.code === 'NOT_FOUND'
          ? say('web.notFound')
          : error.code === 'FORBIDDEN'
            ? say('web.forbidden')
            : error.userMessage(ctx.state.locale);
      ctx.state.log.info({ code: error.code, reason: error.message }, 'admin request refused');
      errorPage(ctx, error.status, text);
    }
  });

  const guard =
    (capability: Capability): AdminMiddleware =>
    async (ctx, next) => {
      const user = ctx.state.user;
      if (!user) {
        if (ctx.method === 'GET' && ctx.path !== '/admin/events') {
          ctx.redirect(`/admin/login?next=${encodeURIComponent(ctx.originalUrl)}`);
          return;
        }
        throw new AppError('UNAUTHENTICATED', 'sign in first');
      }
      if (!can(user, capability)) throw new AppError('FORBIDDEN', `${user.role} lacks ${capability}`);
      await next();
    };

  const vendor = new Map(Object.entries(VENDOR_FILES).map(([name, file]) => [name, readFileSync(file)]));
  router.get('/admin/static/:file', async (ctx) => {
    const bundled = vendor.get(ctx.params.file ?? '');
    if (bundled) {
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = bundled;
      return;
    }
    const type = STATIC_FILES[ctx.params.file ?? ''];
    if (!type) throw new AppError('NOT_FOUND', 'static file');
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = await readFile(path.join(STATIC_DIR, ctx.params.file ?? ''));
  });

  authRoutes(router, deps);
  accountRoutes(router, deps, guard);
  homeRoutes(router, deps, guard);
  rosterRoutes(router, deps, guard);
  dutyRoutes(router, deps, guard);
  outboxRoutes(router, deps, guard);
  auditRoutes(router, deps, guard);
  reportQueueRoutes(router, deps, guard);
  reportDetailRoutes(router, deps, guard);
  reportStatsRoutes(router, deps, guard);
  kbRoutes(router, deps, guard);
  ticketQueueRoutes(router, deps, guard);
  ticketDetailRoutes(router, deps, guard);
  ticketStatsRoutes(router, deps, guard);
  completionQueueRoutes(router, deps, guard);
  completionDetailRoutes(router, deps, guard);
  completionStatsRoutes(router, deps, guard);
  ratingReviewRoutes(router, deps, guard);
  ratingPendingRoutes(router, deps, guard);
  quizRoutes(router, deps, guard);
  quizQuestionRoutes(router, deps, guard);
  pointsRoutes(router, deps, guard);
  // The article form's routes first: `/admin/articles/new` is not an article id.
  articleEditRoutes(router, deps, guard);
  articleListRoutes(router, deps, guard);
  articleDetailRoutes(router, deps, guard);
  videoRoutes(router, deps, guard);
  return router as unknown as Router<RequestState>;
}
