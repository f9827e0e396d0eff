/**
 * What the public, signed-link pages (handbook entries under /kb, articles under /articles) share: the
 * request state they run with (the reader's language from Accept-Language, no session), the headers every
 * answer carries (same CSP as the admin pages, never indexed; pages are `no-store`, while the stylesheet
 * and photos set their own cache lifetime), the bare page frame for phones, the refusal page a bad or
 * expired link gets, and how times are written on them.
 */
import type { RouterContext } from '@koa/router';
import type { RequestState } from '../../bot/src/http/context';
import {
  localeFromAcceptLanguage,
  t,
  type Locale,
  type MessageKey,
  type MessageParams,
} from '../../bot/src/i18n';
import { html, type SafeHtml } from './html';
import { setPageSecurityHeaders } from './security';

/** A public request's state: the reader's language and a `say` for it. */
export interface PublicState extends RequestState {
  locale: Locale;
  say: (key: MessageKey, params?: MessageParams) => string;
}

export type PublicContext = RouterContext<PublicState>;

/** One public site's look and wording. */
export interface PublicSite {
  /** The name in the page header and after each title. */
  readonly brand: MessageKey;
  /** Stylesheet addresses, in order. */
  readonly stylesheets: readonly string[];
  /** Title of the page a forged or expired link gets (403); what is not there gets "page not found". */
  readonly refusedTitle: MessageKey;
  /** Id of the message on a refusal page, for tests. */
  readonly refusedId: string;
}

/** Sets the headers and the reader's language for every request under the public prefix. */
export async function publicRequestSetup(ctx: PublicContext, next: () => Promise<unknown>): Promise<void> {
  setPageSecurityHeaders(ctx);
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Robots-Tag', 'noindex, nofollow');
  ctx.state.locale = localeFromAcceptLanguage(ctx.get('Accept-Language'));
  ctx.state.say = (key, params) => t(ctx.state.locale, key, params);
  await next();
}

/** A whole public page around `body`. */
export function publicPage(ctx: PublicContext, site: PublicSite, title: string, body: SafeHtml): string {
  const { say, locale } = ctx.state;
  return html`<!doctype html>
    <html lang="${locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>${title} · ${say(site.brand)}</title>
        ${site.stylesheets.map((href) => html`<link rel="stylesheet" href="${href}" />`)}
      </head>
      <body class="public">
        <header class="top"><span class="brand">${say(site.brand)}</span></header>
        <main>${body}</main>
      </body>
    </html>`.value;
}

/**
 * Answers with the refusal page: 403 for a bad or expired link, 404 for what is not there. The short title
 * heads the page and names the tab; `key`, the message under it, says why and what to do.
 */
export function refusePublic(ctx: PublicContext, site: PublicSite, status: 403 | 404, key: MessageKey): void {
  ctx.status = status;
  ctx.type = 'html';
  const title = ctx.state.say(status === 403 ? site.refusedTitle : 'web.public.notFoundTitle');
  ctx.body = publicPage(
    ctx,
    site,
    title,
    html`<h1>${title}</h1>
      <p class="notice error" id="${site.refusedId}">${ctx.state.say(key)}</p>`,
  );
}
