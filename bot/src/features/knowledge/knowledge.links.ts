/**
 * Signed, expiring links to a handbook entry's public read-only page (`/kb/:id?e=<expiry>&s=<signature>`),
 * for engineers opening an answer in WeCom's in-app browser without signing in. The signature is
 * HMAC-SHA256 over `<id>.<expiry>` with SESSION_SECRET when it is set, else with the random key the
 * migration stored in `kb_link_secret` — either way one key for every instance. Checks are constant-time.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { checkSignedLink, signedQuery, type SignedLinkCheck } from '../../signed-links';
import { KbLinkSecret } from './kb-link-secret.entity';

/** How long a link works: a week, long enough to come back to an answer on the next job. */
export const KB_LINK_TTL_SECONDS = 7 * 24 * 60 * 60;

const storedKeys = new WeakMap<DataSource, Buffer>();

/**
 * The key public links are signed with: SESSION_SECRET when set, else the random key the migration stored.
 * Other features' public links (broadcast articles) sign with it too, over messages of their own shape.
 */
export async function linkKey(manager: EntityManager, sessionSecret: string | undefined): Promise<Buffer> {
  if (sessionSecret) return Buffer.from(sessionSecret, 'utf8');
  // The stored key never changes once the migration wrote it, so one read per DataSource is enough.
  const cached = storedKeys.get(manager.connection);
  if (cached) return cached;
  const row = await manager.findOneBy(KbLinkSecret, { id: 1 });
  if (!row) throw new Error('kb_link_secret has no key: the CreateKnowledgeBase migration has not run');
  const key = Buffer.from(row.secret, 'hex');
  storedKeys.set(manager.connection, key);
  return key;
}

export interface KbLinkProps {
  readonly manager: EntityManager;
  readonly entryId: number;
  /** PUBLIC_BASE_URL, or the request's own origin; no trailing slash needed. */
  readonly baseUrl: string;
  readonly now: Date;
  /**
   * config.sessionSecret. Required (though it may be undefined) so that no caller can forget it: a link
   * signed with another key than the one the public page checks with would never open.
   */
  readonly sessionSecret: string | undefined;
}

/** The absolute URL of an entry's public page, valid for {@link KB_LINK_TTL_SECONDS}. */
export async function kbEntryLink(props: KbLinkProps): Promise<string> {
  return `${props.baseUrl.replace(/\/+$/, '')}/kb/${props.entryId}?${await kbLinkQuery(props)}`;
}

/** `e=<expiry>&s=<signature>` for an entry: the same pair opens its page and its photos. */
export async function kbLinkQuery(props: Omit<KbLinkProps, 'baseUrl'>): Promise<string> {
  const key = await linkKey(props.manager, props.sessionSecret);
  return signedQuery(key, String(props.entryId), KB_LINK_TTL_SECONDS, props.now);
}

export type KbLinkCheck = SignedLinkCheck;

/**
 * Checks a link's `e` and `s` for an entry: `invalid` for anything not signed by us for this very entry
 * and expiry (including a signature copied from another entry), `expired` for a genuine link past its time.
 */
export async function checkKbLink(props: {
  readonly manager: EntityManager;
  readonly entryId: number;
  readonly expiry: unknown;
  readonly signature: unknown;
  readonly now: Date;
  readonly sessionSecret: string | undefined;
}): Promise<KbLinkCheck> {
  const key = await linkKey(props.manager, props.sessionSecret);
  return checkSignedLink(key, String(props.entryId), props, props.now);
}
