/**
 * Signed, expiring public links: the query `e=<expiry>&s=<signature>`, where the signature is
 * HMAC-SHA256 (base64url) over `<message>.<expiry>`. Each feature signs messages of its own shape (the
 * handbook `<id>`, broadcasts `article.<id>`, `article-cover.<id>`, `video.<id>`), so a signature made for
 * one thing opens nothing else. Finding the key stays with the features; checks are constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignedLinkCheck = 'ok' | 'expired' | 'invalid';

function sign(key: Buffer, message: string, expiry: number): string {
  return createHmac('sha256', key).update(`${message}.${expiry}`).digest('base64url');
}

/** `e=<expiry>&s=<signature>` for `message`, valid for `ttlSeconds` from `now`. */
export function signedQuery(key: Buffer, message: string, ttlSeconds: number, now: Date): string {
  const expiry = Math.floor(now.getTime() / 1000) + ttlSeconds;
  return new URLSearchParams({ e: String(expiry), s: sign(key, message, expiry) }).toString();
}

/**
 * Checks a link's `e` and `s` (as they came in the request, so of any type) for `message`: `invalid` for
 * anything not signed with `key` for this very message and expiry, `expired` for a genuine link past its
 * time, else `ok`.
 */
export function checkSignedLink(
  key: Buffer,
  message: string,
  query: { readonly expiry: unknown; readonly signature: unknown },
  now: Date,
): SignedLinkCheck {
  const { expiry, signature } = query;
  if (typeof expiry !== 'string' || !/^\d{1,12}$/.test(expiry)) return 'invalid';
  if (typeof signature !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return 'invalid';
  const expected = Buffer.from(sign(key, message, Number(expiry)));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return Number(expiry) * 1000 <= now.getTime() ? 'expired' : 'ok';
}
