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
import type { EntityManager } from 'typeorm';
import { checkSignedLink, signedQuery, type SignedLinkCheck } from '../../signed-links';
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

async function targetQuery(
  target: SignedTarget,
  props: Omit<BroadcastLinkProps, 'baseUrl'>,
): Promise<string> {
  const key = await publicLinkKey(props.manager, props.sessionSecret);
  return signedQuery(key, `${target}.${props.id}`, ARTICLE_LINK_TTL_SECONDS, props.now);
}

const base = (url: string) => url.replace(/\/+$/, '');

/** The absolute URL of an article's mobile page, valid for {@link ARTICLE_LINK_TTL_SECONDS}. */
export async function articleLink(props: BroadcastLinkProps): Promise<string> {
  return `${base(props.baseUrl)}/articles/${props.id}?${await targetQuery('article', props)}`;
}

/** The absolute URL of an article's cover photo (for WeCom's `picurl`), signed for the cover only. */
export async function articleCoverLink(props: BroadcastLinkProps): Promise<string> {
  return `${base(props.baseUrl)}/articles/${props.id}/cover?${await targetQuery('article-cover', props)}`;
}

/** The absolute URL of a training video's cover picture (for WeCom's `picurl`). */
export async function videoCoverLink(props: BroadcastLinkProps): Promise<string> {
  return `${base(props.baseUrl)}/articles/videos/${props.id}/cover?${await targetQuery('video', props)}`;
}

export type BroadcastLinkCheck = SignedLinkCheck;

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
  const key = await publicLinkKey(props.manager, props.sessionSecret);
  return checkSignedLink(key, `${props.target}.${props.id}`, props, props.now);
}
