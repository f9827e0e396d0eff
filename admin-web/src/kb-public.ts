/**
 * Public, read-only handbook pages for engineers' phones (WeCom's in-app browser), outside /admin and
 * without signing in: `GET /kb/:id?e=<expiry>&s=<signature>` and its photos at
 * `/kb/:id/photos/:index?e=…&s=…`, opened only through links the bot or the back office signed
 * (features/knowledge, kbEntryLink). A forged, truncated, other entry's or expired link gets a 403 page
 * saying what to do; a link to an entry since withdrawn gets 404. Same CSP and headers as the admin
 * pages; nothing is cached and nothing is indexed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Router from '@koa/router';
import type { DataSource } from 'typeorm';
import { checkKbLink, findKbEntry, type KbEntry } from '../../bot/src/features/knowledge';
import type { RequestState } from '../../bot/src/http/context';
import type { MessageKey } from '../../bot/src/i18n';
import type { MediaStorage } from '../../bot/src/storage/media-storage';
import { formatLocalDateTime } from '../../bot/src/zoned-time';
import { html, type SafeHtml } from './html';
import { trustedKbMarkdown } from './kb-markdown';
import {
  publicPage,
  publicRequestSetup,
  refusePublic,
  type PublicContext,
  type PublicSite,
  type PublicState,
} from './public-page';
import { sendStoredPhoto } from './record-actions';

const STYLESHEET = path.join(__dirname, 'static', 'app.css');

export interface KbPublicDeps {
  readonly dataSource: () => DataSource;
  readonly storage: MediaStorage;
  readonly timeZone: string;
  /** SESSION_SECRET: the key links were signed with when set (else the database's). */
  readonly sessionSecret: string | undefined;
}

const SITE: PublicSite = {
  brand: 'web.nav.kb',
  stylesheets: ['/kb/static/app.css'],
  refusedTitle: 'web.kb.linkRefused',
  refusedId: 'kb-refused',
};

function page(ctx: PublicContext, title: string, body: SafeHtml): string {
  return publicPage(ctx, SITE, title, body);
}

function refuse(ctx: PublicContext, status: 403 | 404, key: MessageKey): void {
  refusePublic(ctx, SITE, status, key);
}

/** The entry a link opens, once its signature and expiry check out; otherwise the answer is sent. */
async function openedEntry(ctx: PublicContext, deps: KbPublicDeps): Promise<KbEntry | undefined> {
  const raw = ctx.params.id ?? '';
  if (!/^\d{1,9}$/.test(raw)) {
    refuse(ctx, 404, 'web.kb.gone');
    return undefined;
  }
  const manager = deps.dataSource().manager;
  const check = await checkKbLink({
    manager,
    entryId: Number(raw),
    expiry: ctx.query.e,
    signature: ctx.query.s,
    now: new Date(),
    sessionSecret: deps.sessionSecret,
  });
  if (check !== 'ok') {
    ctx.state.log.info({ entryId: raw, check }, 'handbook link refused');
    refuse(ctx, 403, check === 'expired' ? 'web.kb.linkExpired' : 'web.kb.linkInvalid');
    return undefined;
  }
  const entry = await findKbEntry(manager, Number(raw));
  if (!entry || !entry.isPublished) {
    refuse(ctx, 404, 'web.kb.gone');
    return undefined;
  }
  return entry;
}

/** The router for `/kb/…`, registered beside the admin router (services.ts). */
export function createKbPublicRouter(deps: KbPublicDeps): Router<RequestState> {
  const router = new Router<PublicState>();
  router.use('/kb', publicRequestSetup);

  router.get('/kb/static/app.css', async (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = await readFile(STYLESHEET);
  });

  router.get('/kb/:id', async (ctx) => {
    const entry = await openedEntry(ctx, deps);
    if (!entry) return;
    const { say, locale } = ctx.state;
    const signed = new URLSearchParams({ e: String(ctx.query.e), s: String(ctx.query.s) }).toString();
    const until = formatLocalDateTime(new Date(Number(ctx.query.e) * 1000), locale, deps.timeZone);
    ctx.type = 'html';
    ctx.body = page(
      ctx,
      entry.title,
      html`<article class="card kb-entry" id="kb-entry">
        <h1>${entry.title}</h1>
        ${entry.tags.length > 0 ? html`<p class="tags">${entry.tags.map((tag) => html`<span class="badge">${tag}</span>`)}</p>` : ''}
        ${trustedKbMarkdown(entry.body)}
        ${
          entry.photos.length > 0
            ? html`<div class="photos">
                ${entry.photos.map(
                  (_key, index) =>
                    html`<a href="/kb/${entry.id}/photos/${index}?${signed}"
                      ><img
                        src="/kb/${entry.id}/photos/${index}?${signed}"
                        alt="${say('web.kb.photos')} ${index + 1}"
                        loading="lazy"
                    /></a>`,
                )}
              </div>`
            : ''
        }
        <p class="hint">${say('web.kb.validUntil', { time: until })}</p>
      </article>`,
    );
  });

  router.get('/kb/:id/photos/:index', async (ctx) => {
    const entry = await openedEntry(ctx, deps);
    if (!entry) return;
    const key = /^\d{1,2}$/.test(ctx.params.index ?? '') ? entry.photos[Number(ctx.params.index)] : undefined;
    if (!key) return refuse(ctx, 404, 'web.kb.gone');
    await sendStoredPhoto(ctx, deps.storage, key, 3600);
  });

  return router as unknown as Router<RequestState>;
}
