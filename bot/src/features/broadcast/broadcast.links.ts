/**
 * Signed, expiring links to an article's mobile page (`/articles/:id?e=<expiry>&s=<signature>`), its cover
 * (`/articles/:id/cover?e=…&s=…`) and a training video's cover (`/articles/videos/:id/cover?e=…&s=…`).
 * The signature is HMAC-SHA256 with the handbook's public-link key (SESSION_SECRET, else the key stored by
 * the knowledge migration) over `article.<id>.<expiry>`, `article-cover.<id>.<expiry>` or
 * `video.<id>.<expiry>` — shapes no handbook link signs, so no signature works for anything but what it
 * was made for: a cover's picurl (which WeCom fetches and may expose) does not open the article's page.
 * Checks are constant-time.
 *
 * One article message goes to up to 1,000 people at once, so the link cannot say who is reading: the
 * page asks WeCom (OAuth2 for web pages) and records the read for the member WeCom names.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { publicLinkKey } from '../knowledge';

/** How long a link works: a month, long enough to come back to a notice or case after the next shifts. */
export const ARTICLE_LINK_TTL_SECONDS = 30 * 24 * 60 * 60;

export type SignedTarget = 'article' | 'article-cover' | 'video';

export interface BroadcastLinkProps {
  readonly manager: EntityManager;
  readonly id: number;
  /** PUBLIC_BASE_URL (or the service's own address in development mode); no trailing slash needed. */
  readonly baseUrl: string;
  readonly now: Date;
  /** config.sessionSecret (may be undefined: the stored key is used then). */
  readonly sessionSecret: string | undefined;
}

function sign(key: Buffer, target: SignedTarget, id: number, expiry: number): string {
  return createHmac('sha256', key).update(`${target}.${id}.${expiry}`).digest('base64url');
}

async function signedQuery(
  target: SignedTarget,
  props: Omit<BroadcastLinkProps, 'baseUrl'>,
): Promise<string> {
  const expiry = Math.floor(props.now.getTime() / 1000) + ARTICLE_LINK_TTL_SECONDS;
  const signature = sign(await publicLinkKey(props.manager, props.sessionSecret), target, props.id, expiry);
  return new URLSearchParams({ e: String(expiry), s: signature }).toString();
}

const base = (url: string) => url.replace(/\/+$/, '');

/** The absolute URL of an article's mobile page, valid for {@link ARTICLE_LINK_TTL_SECONDS}. */
export async function articleLink(props: BroadcastLinkProps): Promise<string> {
  return `${base(props.baseUrl)}/articles/${props.id}?${await signedQuery('article', props)}`;
}

/** The absolute URL of an article's cover photo (for WeCom's `picurl`), signed for the cover only. */
export async function articleCoverLink(props: BroadcastLinkProps): Promise<string> {
  return `${base(props.baseUrl)}/articles/${props.id}/cover?${await signedQuery('article-cover', props)}`;
}

/** The absolute URL of a training video's cover picture (for WeCom's `picurl`). */
export async function videoCoverLink(props: BroadcastLinkProps): Promise<string> {
  return `${base(props.baseUrl)}/articles/videos/${props.id}/cover?${await signedQuery('video', props)}`;
}

export type BroadcastLinkCheck = 'ok' | 'expired' | 'invalid';

/**
 * Checks a link's `e` and `s` for an article (or a video cover): `invalid` for anything not signed by us
 * for this very target, id and expiry; `expired` for a genuine link past its time.
 */
export async function checkBroadcastLink(props: {
  readonly manager: EntityManager;
  readonly target: SignedTarget;
  readonly id: number;
  readonly expiry: unknown;
  readonly signature: unknown;
  readonly now: Date;
  readonly sessionSecret: string | undefined;
}): Promise<BroadcastLinkCheck> {
  const { expiry, signature } = props;
  if (typeof expiry !== 'string' || !/^\d{1,12}$/.test(expiry)) return 'invalid';
  if (typeof signature !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return 'invalid';
  const expected = Buffer.from(
    sign(await publicLinkKey(props.manager, props.sessionSecret), props.target, props.id, Number(expiry)),
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return Number(expiry) * 1000 <= props.now.getTime() ? 'expired' : 'ok';
}
