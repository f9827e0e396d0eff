/**
 * Sessions, CSRF and headers for the admin web.
 *  - The session cookie (`fl_session`) is HttpOnly, SameSite=Lax, and Secure behind https; the server
 *    keeps the session (features/accounts).
 *  - Every state-changing request must carry the CSRF token: the session's once signed in, before that a
 *    random token in a `fl_csrf` cookie (double submit).
 *  - A Content-Security-Policy with no inline script or style; no framing; no caching of pages.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Middleware, Next } from 'koa';
import { resumeSession } from '../../bot/src/features/accounts';
import { AppError } from '../../bot/src/errors';
import { readForm } from '../../bot/src/http/body';
import {
  isLocale,
  localeFromAcceptLanguage,
  t,
  type MessageKey,
  type MessageParams,
} from '../../bot/src/i18n';
import type { AdminContext, AdminDeps, AdminState } from './context';

export const SESSION_COOKIE = 'fl_session';
export const CSRF_COOKIE = 'fl_csrf';
export const LANG_COOKIE = 'fl_lang';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** The headers every server-rendered page carries (admin pages and the public handbook pages alike). */
export function setPageSecurityHeaders(ctx: { set(field: string, value: string): void }): void {
  ctx.set('Content-Security-Policy', CSP);
  ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
}

export function isSecure(ctx: AdminContext, deps: AdminDeps): boolean {
  return ctx.secure || (deps.publicBaseUrl?.startsWith('https://') ?? false);
}

export function cookieOptions(ctx: AdminContext, deps: AdminDeps, maxAge?: number) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: isSecure(ctx, deps),
    path: '/admin',
    overwrite: true,
    ...(maxAge === undefined ? {} : { maxAge }),
  };
}

/** Resolves who is signed in, their language, and the CSRF token forms must carry. */
export function adminContext(deps: AdminDeps): Middleware<AdminState> {
  return async (ctx, next: Next) => {
    // Behind a TLS-terminating proxy the request itself looks plain: trust PUBLIC_BASE_URL for `Secure`.
    if (isSecure(ctx as AdminContext, deps)) (ctx.cookies as unknown as { secure: boolean }).secure = true;
    setPageSecurityHeaders(ctx);
    const langCookie = ctx.cookies.get(LANG_COOKIE);
    ctx.state.locale = isLocale(langCookie)
      ? langCookie
      : localeFromAcceptLanguage(ctx.get('Accept-Language'));
    ctx.state.say = (key: MessageKey, params?: MessageParams) => t(ctx.state.locale, key, params);
    ctx.state.user = undefined;
    ctx.state.session = undefined;
    const sessionId = ctx.cookies.get(SESSION_COOKIE);
    const active = sessionId ? await resumeSession(deps.dataSource(), sessionId) : undefined;
    if (active) {
      ctx.state.user = active.staff;
      ctx.state.session = active.session;
      ctx.state.csrf = active.session.csrfToken;
    } else {
      let token = ctx.cookies.get(CSRF_COOKIE);
      if (!token || !/^[A-Za-z0-9_-]{32}$/.test(token)) {
        token = randomBytes(24).toString('base64url');
        ctx.cookies.set(CSRF_COOKIE, token, cookieOptions(ctx as AdminContext, deps));
      }
      ctx.state.csrf = token;
    }
    if (!ctx.path.startsWith('/admin/static/')) ctx.set('Cache-Control', 'no-store');
    await next();
  };
}

/** Throws FORBIDDEN unless `submitted` is this visitor's CSRF token. */
export function checkCsrf(state: AdminState, submitted: string | undefined): void {
  const expected = Buffer.from(state.csrf);
  const given = Buffer.from(submitted ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError('FORBIDDEN', 'CSRF token missing or wrong', {
      params: { detail: 'csrf' },
      details: { csrf: true },
    });
  }
}

/** Reads a urlencoded form and checks its CSRF token. */
export async function readCheckedForm(ctx: AdminContext): Promise<Record<string, string>> {
  const form = await readForm(ctx);
  checkCsrf(ctx.state, form._csrf ?? ctx.get('X-CSRF-Token'));
  return form;
}

/** Only local back-office paths: no scheme, no host, no `//`, no backslash tricks. */
export function safeNext(next: string | undefined): string {
  if (
    !next ||
    !next.startsWith('/admin') ||
    next.startsWith('//') ||
    /[\\\r\n]/.test(next) ||
    next.includes('://')
  )
    return '/admin';
  return next;
}
