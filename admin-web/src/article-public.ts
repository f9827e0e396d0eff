/**
 * Public, read-only article pages (notices, hot issues, outage alerts, best cases) for engineers' phones,
 * outside /admin and without signing in: `GET /articles/:id?e=<expiry>&s=<signature>`, the cover at
 * `/articles/:id/cover?e=…&s=…` and training-video covers at `/articles/videos/:id/cover?e=…&s=…`, opened
 * only through links the bot signed (features/broadcast). A forged, truncated, other article's or expired
 * link gets a 403 page saying what to do; an article never sent gets 404.
 *
 * Read tracking: one WeCom message reaches up to 1,000 people, so the link cannot say who opens it. Opened
 * in WeCom (its browser says `wxwork` in the User-Agent), the page first sends the reader through WeCom's
 * OAuth2 for web pages (silent, snsapi_base) and comes back with a `code`, which the API turns into the
 * member's UserID; that member's read is recorded once. Anywhere else the page is simply shown — the signed
 * link alone grants reading, identity only counts the read. A code that fails (used twice on a reload,
 * expired) is logged and the page is shown all the same.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Router from '@koa/router';
import type { DataSource } from 'typeorm';
import { inTransaction } from '../../bot/src/db/transaction';
import {
  articleCoverLink,
  checkBroadcastLink,
  findArticle,
  findVideo,
  kindKey,
  markArticleRead,
  type Article,
  type SignedTarget,
} from '../../bot/src/features/broadcast';
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

const STATIC_DIR = path.join(__dirname, 'static');
const STYLESHEETS: Readonly<Record<string, string>> = { 'app.css': 'app.css', 'article.css': 'article.css' };
/** WeCom's in-app browser (mobile and desktop) names itself in the User-Agent. */
const WECOM_BROWSER = /wxwork/i;
/** Sent through OAuth and back: marks the return trip (a-zA-Z0-9 only, per WeCom). */
const OAUTH_STATE = 'read';

/** WeCom's OAuth2 for web pages, as the API client offers it. */
export interface ArticleReaderIdentity {
  /** The authorize URL that brings the reader back to `redirectUri` with `code` and `state`. */
  authorizeUrl(redirectUri: string, state: string): string;
  /** The member a code stands for (undefined: someone outside the corp). */
  userIdForCode(code: string): Promise<string | undefined>;
}

export interface ArticlePublicDeps {
  readonly dataSource: () => DataSource;
  readonly storage: MediaStorage;
  readonly timeZone: string;
  /** SESSION_SECRET: the key links were signed with when set (else the database's). */
  readonly sessionSecret: string | undefined;
  /**
   * Where WeCom sends the reader back: PUBLIC_BASE_URL (or this service's own address in development mode
   * with the fake WeCom); never the request's Host header. Undefined: the page opens without recording.
   */
  readonly linkBaseUrl: () => string | undefined;
  readonly identity: ArticleReaderIdentity;
}

const SITE: PublicSite = {
  brand: 'broadcast.page.brand',
  stylesheets: ['/articles/static/app.css', '/articles/static/article.css'],
  refusedTitle: 'broadcast.page.linkRefused',
  refusedId: 'article-refused',
};

function page(ctx: PublicContext, title: string, body: SafeHtml): string {
  return publicPage(ctx, SITE, title, body);
}

function refuse(ctx: PublicContext, status: 403 | 404, key: MessageKey): void {
  refusePublic(ctx, SITE, status, key);
}

/** The id in the path once the link's signature and expiry check out for it; otherwise the answer is sent. */
async function signedId(
  ctx: PublicContext,
  deps: ArticlePublicDeps,
  target: SignedTarget,
): Promise<number | undefined> {
  const raw = ctx.params.id ?? '';
  if (!/^\d{1,9}$/.test(raw)) {
    refuse(ctx, 404, 'broadcast.page.gone');
    return undefined;
  }
  const check = await checkBroadcastLink({
    manager: deps.dataSource().manager,
    target,
    id: Number(raw),
    expiry: ctx.query.e,
    signature: ctx.query.s,
    now: new Date(),
    sessionSecret: deps.sessionSecret,
  });
  if (check !== 'ok') {
    ctx.state.log.info({ target, id: raw, check }, 'article link refused');
    refuse(ctx, 403, check === 'expired' ? 'broadcast.page.linkExpired' : 'broadcast.page.linkInvalid');
    return undefined;
  }
  return Number(raw);
}

/** The article a link opens: signed, and sent (drafts and cancelled ones are never public). */
async function openedArticle(
  ctx: PublicContext,
  deps: ArticlePublicDeps,
  target: 'article' | 'article-cover',
): Promise<Article | undefined> {
  const id = await signedId(ctx, deps, target);
  if (id === undefined) return undefined;
  const article = await findArticle(deps.dataSource().manager, id);
  if (!article || (article.status !== 'sending' && article.status !== 'sent')) {
    refuse(ctx, 404, 'broadcast.page.gone');
    return undefined;
  }
  return article;
}

/** Records the read for the member a WeCom OAuth code names; failures only cost the count. */
async function recordRead(ctx: PublicContext, deps: ArticlePublicDeps, article: Article, code: string) {
  if (!/^[\x21-\x7e]{1,512}$/.test(code)) return;
  try {
    const wecomUserId = await deps.identity.userIdForCode(code);
    if (!wecomUserId) return;
    const outcome = await inTransaction(deps.dataSource(), (manager) =>
      markArticleRead({ manager, articleId: article.id, reader: { wecomUserId }, now: new Date() }),
    );
    ctx.state.log.info({ articleId: article.id, wecomUserId, outcome }, 'article opened');
  } catch (error) {
    ctx.state.log.warn({ err: error, articleId: article.id }, 'could not identify the article reader');
  }
}

function articleView(
  ctx: PublicContext,
  deps: ArticlePublicDeps,
  article: Article,
  coverLink: string | undefined,
): SafeHtml {
  const { say, locale } = ctx.state;
  return html`<article class="card kb-entry article-page" id="article">
    <p class="tags">
      <span class="badge">${say(kindKey(article.kind))}</span>
      ${article.isUrgent ? html`<span class="badge urgent">${say('broadcast.page.urgent')}</span>` : ''}
    </p>
    <h1>${article.title}</h1>
    ${
      article.sentAt
        ? html`<p class="meta">
            ${say('broadcast.page.sentAt', { time: formatLocalDateTime(article.sentAt, locale, deps.timeZone) })}
          </p>`
        : ''
    }
    ${coverLink ? html`<img class="article-cover" src="${coverLink}" alt="${article.title}" />` : ''}
    ${article.summary ? html`<p class="summary">${article.summary}</p>` : ''}
    ${trustedKbMarkdown(article.body)}
    ${
      article.tags.length > 0
        ? html`<p class="tags">${article.tags.map((tag) => html`<span class="badge">${tag}</span>`)}</p>`
        : ''
    }
    <p class="hint">
      ${say('broadcast.page.validUntil', { time: formatLocalDateTime(new Date(Number(ctx.query.e) * 1000), locale, deps.timeZone) })}
    </p>
  </article>`;
}

/** The router for `/articles/…`, registered beside the admin router (services.ts). */
export function createArticlePublicRouter(deps: ArticlePublicDeps): Router<RequestState> {
  const router = new Router<PublicState>();
  router.use('/articles', publicRequestSetup);

  router.get('/articles/static/:file', async (ctx) => {
    const file = STYLESHEETS[ctx.params.file ?? ''];
    if (!file) return refuse(ctx, 404, 'broadcast.page.gone');
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = await readFile(path.join(STATIC_DIR, file));
  });

  router.get('/articles/:id', async (ctx) => {
    const article = await openedArticle(ctx, deps, 'article');
    if (!article) return;
    const signed = new URLSearchParams({ e: String(ctx.query.e), s: String(ctx.query.s) }).toString();
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : undefined;
    const isReturning = typeof ctx.query.state === 'string';
    if (code) {
      await recordRead(ctx, deps, article, code);
    } else if (!isReturning && WECOM_BROWSER.test(ctx.get('User-Agent'))) {
      const base = deps.linkBaseUrl()?.replace(/\/+$/, '');
      if (base) {
        ctx.redirect(deps.identity.authorizeUrl(`${base}/articles/${article.id}?${signed}`, OAUTH_STATE));
        return;
      }
      ctx.state.log.warn({ articleId: article.id }, 'PUBLIC_BASE_URL is not set: the read is not recorded');
    }
    // The cover gets a link of its own (a relative one): the page's signature does not open the cover.
    const coverLink = article.coverKey
      ? await articleCoverLink({
          manager: deps.dataSource().manager,
          id: article.id,
          baseUrl: '',
          now: new Date(),
          sessionSecret: deps.sessionSecret,
        })
      : undefined;
    ctx.type = 'html';
    ctx.body = page(ctx, article.title, articleView(ctx, deps, article, coverLink));
  });

  router.get('/articles/:id/cover', async (ctx) => {
    const article = await openedArticle(ctx, deps, 'article-cover');
    if (!article) return;
    if (!article.coverKey) return refuse(ctx, 404, 'broadcast.page.gone');
    await sendStoredPhoto(ctx, deps.storage, article.coverKey, 3600);
  });

  router.get('/articles/videos/:id/cover', async (ctx) => {
    const id = await signedId(ctx, deps, 'video');
    if (id === undefined) return;
    const video = await findVideo(deps.dataSource().manager, id);
    if (!video?.isActive || !video.coverKey) return refuse(ctx, 404, 'broadcast.page.gone');
    await sendStoredPhoto(ctx, deps.storage, video.coverKey, 3600);
  });

  return router as unknown as Router<RequestState>;
}
