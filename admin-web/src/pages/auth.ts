import type Router from '@koa/router';
import { changePassword, MIN_PASSWORD_LENGTH, signIn, signOut } from '../../../bot/src/features/accounts';
import { recordAudit } from '../../../bot/src/features/audit';
import { inTransaction } from '../../../bot/src/db/transaction';
import { isLocale } from '../../../bot/src/i18n';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html } from '../html';
import { queryNotice, withNotice } from '../notice';
import { csrfField, formatTime, layout } from '../layout';
import {
  CSRF_COOKIE,
  LANG_COOKIE,
  SESSION_COOKIE,
  cookieOptions,
  readCheckedForm,
  safeNext,
} from '../security';

function loginPage(ctx: AdminContext, error?: string, staffNo = ''): string {
  const { say } = ctx.state;
  const next = typeof ctx.query.next === 'string' ? ctx.query.next : '';
  const notice = error ? { kind: 'error' as const, text: error } : queryNotice(ctx);
  return layout(ctx.state, {
    title: say('web.login.title'),
    ...(notice ? { notice } : {}),
    body: html`<form
      method="post"
      action="/admin/login?next=${encodeURIComponent(safeNext(next))}"
      class="card narrow"
      id="login-form"
    >
      ${csrfField(ctx.state)}
      <label
        >${say('web.login.staffNo')}<input
          name="staffNo"
          value="${staffNo}"
          autocomplete="username"
          required
          maxlength="32"
          autofocus
      /></label>
      <label
        >${say('web.login.password')}<input
          name="password"
          type="password"
          autocomplete="current-password"
          required
      /></label>
      <button type="submit">${say('web.login.submit')}</button>
    </form>`,
  });
}

export function authRoutes(router: Router<AdminState>, deps: AdminDeps): void {
  router.get('/admin/login', (ctx) => {
    if (ctx.state.user) return ctx.redirect('/admin');
    ctx.type = 'html';
    ctx.body = loginPage(ctx);
  });

  router.post('/admin/login', async (ctx) => {
    const form = await readCheckedForm(ctx);
    const result = await signIn({
      dataSource: deps.dataSource(),
      staffNo: form.staffNo ?? '',
      password: form.password ?? '',
      ip: ctx.ip,
      userAgent: ctx.get('User-Agent') || null,
    });
    if (!result.ok) {
      const { say } = ctx.state;
      const message =
        result.reason === 'locked'
          ? say('web.login.locked', { time: formatTime(ctx.state, result.until, deps.timeZone) })
          : result.reason === 'no-access'
            ? say('web.login.noAccess')
            : say('web.login.invalid');
      ctx.status = result.reason === 'locked' ? 429 : 401;
      ctx.type = 'html';
      ctx.body = loginPage(ctx, message, form.staffNo ?? '');
      return;
    }
    // A new session id on every sign-in (no fixation); the pre-sign-in CSRF cookie is no longer needed.
    const previous = ctx.cookies.get(SESSION_COOKIE);
    if (previous) await inTransaction(deps.dataSource(), (manager) => signOut(manager, previous));
    ctx.cookies.set(SESSION_COOKIE, result.sessionId, cookieOptions(ctx, deps));
    ctx.cookies.set(CSRF_COOKIE, null, cookieOptions(ctx, deps));
    ctx.redirect(safeNext(typeof ctx.query.next === 'string' ? ctx.query.next : undefined));
  });

  router.post('/admin/logout', async (ctx) => {
    await readCheckedForm(ctx);
    const sessionId = ctx.cookies.get(SESSION_COOKIE);
    if (sessionId) await inTransaction(deps.dataSource(), (manager) => signOut(manager, sessionId));
    ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(ctx, deps));
    ctx.redirect('/admin/login');
  });

  router.post('/admin/lang', async (ctx) => {
    const form = await readCheckedForm(ctx);
    if (isLocale(form.lang))
      ctx.cookies.set(LANG_COOKIE, form.lang, {
        ...cookieOptions(ctx, deps, 365 * 24 * 3600_000),
        httpOnly: false,
      });
    const back = ctx.get('Referer');
    let path = '/admin';
    try {
      path = safeNext(back ? new URL(back).pathname + new URL(back).search : undefined);
    } catch {
      // an unparsable Referer: go home
    }
    ctx.redirect(path);
  });
}

function passwordPage(ctx: AdminContext, notice?: { kind: 'ok' | 'error'; text: string }): string {
  const { say } = ctx.state;
  return layout(ctx.state, {
    title: say('web.password.title'),
    active: 'password',
    ...(notice ? { notice } : {}),
    body: html`<form method="post" action="/admin/account/password" class="card narrow">
      ${csrfField(ctx.state)}
      <label
        >${say('web.password.current')}<input
          name="current"
          type="password"
          autocomplete="current-password"
          required
      /></label>
      <label
        >${say('web.password.next', { min: MIN_PASSWORD_LENGTH })}<input
          name="next"
          type="password"
          autocomplete="new-password"
          minlength="${MIN_PASSWORD_LENGTH}"
          required
      /></label>
      <button type="submit">${say('web.password.submit')}</button>
    </form>`,
  });
}

export function accountRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'account') => AdminMiddleware,
): void {
  router.get('/admin/account/password', guard('account'), (ctx) => {
    ctx.type = 'html';
    ctx.body = passwordPage(ctx);
  });
  router.post('/admin/account/password', guard('account'), async (ctx) => {
    const form = await readCheckedForm(ctx);
    const user = ctx.state.user;
    if (!user) return;
    const { say } = ctx.state;
    if ((form.next ?? '').length < MIN_PASSWORD_LENGTH) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = passwordPage(ctx, {
        kind: 'error',
        text: say('web.password.tooShort', { min: MIN_PASSWORD_LENGTH }),
      });
      return;
    }
    const changed = await changePassword({
      dataSource: deps.dataSource(),
      staffId: user.id,
      current: form.current ?? '',
      next: form.next ?? '',
    });
    if (!changed) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = passwordPage(ctx, { kind: 'error', text: say('web.password.wrong') });
      return;
    }
    await inTransaction(deps.dataSource(), (manager) =>
      recordAudit({
        manager,
        actor: user.staffNo,
        action: 'account.password',
        recordType: 'staff',
        recordId: user.id,
        ip: ctx.ip,
      }),
    );
    ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(ctx, deps));
    ctx.redirect(withNotice('/admin/login', 'web.password.changed'));
  });
}
