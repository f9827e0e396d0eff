/**
 * A stand-in for WeCom's server API (gettoken, message/send, media/get, menu/create, OAuth2 for web pages),
 * faithful to the behaviour the client depends on: tokens that expire or are revoked (40014/42001), a bad
 * secret (40001), errors as JSON with HTTP 200, media served as files, message/send to up to 1,000 members
 * with `invaliduser` and the duplicate check (the same request within duplicate_check_interval is not
 * delivered again), one-time OAuth codes for a member the test chooses. It serves development mode (no WECOM_* settings:
 * mounted under /__dev/wecom-api on the service itself, so the simulator can show pushed messages) and
 * the tests (on its own port). It is never mounted when a real corp is configured.
 */
import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { MAX_USERS_PER_SEND } from './api-client';

export interface FakeWecomCorp {
  readonly corpId: string;
  readonly secret: string;
  readonly agentId: number;
}

export interface FakeMessage {
  readonly id: number;
  readonly touser: string;
  readonly msgtype: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly at: number;
}

interface InjectedFailure {
  readonly endpoint: string;
  readonly errcode: number;
  remaining: number;
}

const TOKEN_TTL_SECONDS = 7200;
/** OAuth codes work once, for 5 minutes (https://developer.work.weixin.qq.com/document/path/91023). */
const OAUTH_CODE_TTL_MS = 5 * 60_000;
const MAX_JSON_BYTES = 256 * 1024;

/** The fake's memory, exposed so tests can inspect it and inject faults. */
export class FakeWecomState {
  readonly messages: FakeMessage[] = [];
  readonly menus: Array<Readonly<Record<string, unknown>>> = [];
  gettokenCalls = 0;
  /** message/send calls answered (each batch call counts once). */
  sendCalls = 0;
  /** Requests not delivered again because of enable_duplicate_check. */
  duplicatesSuppressed = 0;
  /** UserIDs outside the app's visible range: reported in `invaliduser`, never delivered to. */
  readonly invalidUsers = new Set<string>();
  /** The member "signed in to WeCom" on this device: who the OAuth page identifies when not told. */
  oauthUser: string | undefined;
  private readonly oauthCodes = new Map<string, { userId: string; expiresAt: number }>();
  private readonly recentRequests = new Map<string, { until: number; msgId: string }>();
  private readonly tokens = new Map<string, number>();
  private readonly media = new Map<string, { data: Buffer; contentType: string }>();
  private readonly failures: InjectedFailure[] = [];
  private readonly listeners = new Set<() => void>();
  private nextMessageId = 1;

  constructor(
    readonly corp: FakeWecomCorp,
    private readonly clock: () => number = Date.now,
  ) {}

  issueToken(): { token: string; expiresIn: number } {
    const token = `fake-${randomBytes(16).toString('hex')}`;
    this.tokens.set(token, this.clock() + TOKEN_TTL_SECONDS * 1000);
    return { token, expiresIn: TOKEN_TTL_SECONDS };
  }

  /** 0 when valid, else WeCom's errcode for it. */
  checkToken(token: string | undefined): number {
    if (token === undefined || token === '') return 41001;
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) return 40014;
    return expiresAt > this.clock() ? 0 : 42001;
  }

  /** WeCom may revoke tokens early; the client must notice (40014) and refresh once. */
  revokeAllTokens(): void {
    this.tokens.clear();
  }

  /** Makes the next `times` calls to `endpoint` answer `errcode`. */
  failNext(endpoint: string, errcode: number, times = 1): void {
    this.failures.push({ endpoint, errcode, remaining: times });
  }

  takeFailure(endpoint: string): number | undefined {
    const failure = this.failures.find(
      (candidate) => candidate.endpoint === endpoint && candidate.remaining > 0,
    );
    if (!failure) return undefined;
    failure.remaining -= 1;
    return failure.errcode;
  }

  /** Stores a file as a member's phone would upload it; returns its MediaId. */
  addMedia(data: Buffer, contentType: string): string {
    const mediaId = `M${randomBytes(12).toString('hex')}`;
    this.media.set(mediaId, { data, contentType });
    return mediaId;
  }

  getMedia(mediaId: string): { data: Buffer; contentType: string } | undefined {
    return this.media.get(mediaId);
  }

  record(touser: string, msgtype: string, payload: Record<string, unknown>): FakeMessage {
    const message = { id: this.nextMessageId++, touser, msgtype, payload, at: this.clock() };
    this.messages.push(message);
    for (const listener of this.listeners) listener();
    return message;
  }

  /** A one-time OAuth code for a member, as WeCom's authorize page issues. */
  issueOAuthCode(userId: string): string {
    const code = randomBytes(16).toString('hex');
    this.oauthCodes.set(code, { userId, expiresAt: this.clock() + OAUTH_CODE_TTL_MS });
    return code;
  }

  /** The member a code stands for, once; undefined for an unknown, used or expired code. */
  redeemOAuthCode(code: string): string | undefined {
    const entry = this.oauthCodes.get(code);
    this.oauthCodes.delete(code);
    return entry && entry.expiresAt > this.clock() ? entry.userId : undefined;
  }

  /**
   * With the duplicate check on, the msgid of the same request (agent, content, users) already accepted
   * within its interval; otherwise remembers this one and returns undefined.
   */
  duplicateOf(body: Record<string, unknown>, msgId: () => string): string | undefined {
    if (body.enable_duplicate_check !== 1) return undefined;
    const interval = typeof body.duplicate_check_interval === 'number' ? body.duplicate_check_interval : 1800;
    const key = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const now = this.clock();
    const seen = this.recentRequests.get(key);
    if (seen && seen.until > now) return seen.msgId;
    this.recentRequests.set(key, { until: now + Math.min(interval, 4 * 3600) * 1000, msgId: msgId() });
    return undefined;
  }

  messagesFor(touser: string, afterId = 0): FakeMessage[] {
    return this.messages.filter((message) => message.touser === touser && message.id > afterId);
  }

  /** Resolves when a message arrives or after `ms`. */
  waitForMessage(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.listeners.add(done);
    });
  }
}

async function readJson(ctx: Context): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function fail(ctx: Context, errcode: number, errmsg: string): void {
  ctx.type = 'application/json';
  ctx.body = { errcode, errmsg };
}

const MSG_TYPES = new Set(['text', 'markdown', 'textcard', 'news', 'template_card', 'image', 'file']);

/** Routes of the fake API, optionally under a prefix (development mode mounts it on the service). */
export function fakeWecomApiRoutes(state: FakeWecomState, prefix = ''): Router {
  const router = new Router({ prefix });
  const tokenOk = (ctx: Context, endpoint: string): boolean => {
    const injected = state.takeFailure(endpoint);
    if (injected !== undefined) {
      fail(ctx, injected, `injected failure for ${endpoint}`);
      return false;
    }
    const code = state.checkToken(
      typeof ctx.query.access_token === 'string' ? ctx.query.access_token : undefined,
    );
    if (code !== 0) {
      fail(ctx, code, code === 42001 ? 'access_token expired' : 'invalid access_token');
      return false;
    }
    return true;
  };

  router.get('/cgi-bin/gettoken', (ctx) => {
    state.gettokenCalls += 1;
    const injected = state.takeFailure('gettoken');
    if (injected !== undefined) return fail(ctx, injected, 'injected failure for gettoken');
    if (ctx.query.corpid !== state.corp.corpId) return fail(ctx, 40013, 'invalid corpid');
    if (ctx.query.corpsecret !== state.corp.secret) return fail(ctx, 40001, 'invalid credential');
    const { token, expiresIn } = state.issueToken();
    ctx.body = { errcode: 0, errmsg: 'ok', access_token: token, expires_in: expiresIn };
  });

  router.post('/cgi-bin/message/send', async (ctx) => {
    if (!tokenOk(ctx, 'message/send')) return;
    const body = await readJson(ctx);
    if (!body) return fail(ctx, 47001, 'data format error');
    const { touser, msgtype, agentid } = body;
    if (agentid !== state.corp.agentId) return fail(ctx, 40056, 'invalid agentid');
    if (typeof msgtype !== 'string' || !MSG_TYPES.has(msgtype) || typeof body[msgtype] !== 'object') {
      return fail(ctx, 40008, 'invalid message type');
    }
    if (typeof touser !== 'string' || touser === '') return fail(ctx, 40031, 'invalid user list');
    const users = touser.split('|');
    if (users.length > MAX_USERS_PER_SEND || users.includes('')) return fail(ctx, 40031, 'invalid user list');
    if (msgtype === 'text') {
      const content = (body.text as { content?: unknown }).content;
      if (typeof content !== 'string' || Buffer.byteLength(content) > 2048)
        return fail(ctx, 44004, 'text content invalid');
    }
    state.sendCalls += 1;
    const invalid = users.filter((user) => state.invalidUsers.has(user));
    if (invalid.length === users.length) return fail(ctx, 81013, 'user & party & tag all invalid');
    const msgId = `msg${randomBytes(6).toString('hex')}`;
    const duplicate = state.duplicateOf(body, () => msgId);
    if (duplicate !== undefined) {
      state.duplicatesSuppressed += 1;
      ctx.body = { errcode: 0, errmsg: 'ok', invaliduser: invalid.join('|'), msgid: duplicate };
      return;
    }
    for (const user of users)
      if (!state.invalidUsers.has(user))
        state.record(user, msgtype, body[msgtype] as Record<string, unknown>);
    ctx.body = { errcode: 0, errmsg: 'ok', invaliduser: invalid.join('|'), msgid: msgId };
  });

  // OAuth2 for web pages: WeCom knows who is signed in on the phone; here the test says so, with
  // `userid` (this fake only) or FakeWecomState.oauthUser. Back to redirect_uri with a one-time code.
  router.get('/connect/oauth2/authorize', (ctx) => {
    const { appid, redirect_uri: redirectUri, response_type: responseType, scope } = ctx.query;
    const target =
      typeof redirectUri === 'string' && /^https?:\/\//.test(redirectUri) ? redirectUri : undefined;
    if (appid !== state.corp.corpId || !target || responseType !== 'code' || scope !== 'snsapi_base') {
      ctx.status = 400;
      ctx.body =
        'fake WeCom: bad authorize request (appid, redirect_uri, response_type=code, scope=snsapi_base)';
      return;
    }
    const userId =
      typeof ctx.query.userid === 'string' && ctx.query.userid !== '' ? ctx.query.userid : state.oauthUser;
    if (!userId) {
      ctx.status = 403;
      ctx.body = 'fake WeCom: nobody is signed in (set FakeWecomState.oauthUser or pass ?userid=)';
      return;
    }
    const back = new URL(target);
    back.searchParams.set('code', state.issueOAuthCode(userId));
    back.searchParams.set('state', typeof ctx.query.state === 'string' ? ctx.query.state : '');
    ctx.redirect(back.toString());
  });

  router.get('/cgi-bin/auth/getuserinfo', (ctx) => {
    if (!tokenOk(ctx, 'auth/getuserinfo')) return;
    const userId = typeof ctx.query.code === 'string' ? state.redeemOAuthCode(ctx.query.code) : undefined;
    if (!userId) return fail(ctx, 40029, 'invalid code');
    ctx.body = { errcode: 0, errmsg: 'ok', userid: userId, user_ticket: randomBytes(16).toString('hex') };
  });

  router.get('/cgi-bin/media/get', (ctx) => {
    if (!tokenOk(ctx, 'media/get')) return;
    const media = typeof ctx.query.media_id === 'string' ? state.getMedia(ctx.query.media_id) : undefined;
    if (!media) return fail(ctx, 40007, 'invalid media_id');
    ctx.type = media.contentType;
    ctx.set('Content-Disposition', 'attachment; filename="media"');
    ctx.body = media.data;
  });

  // media/upload: takes the multipart `media` part, as WeCom does; the stored file can be fetched back
  // with media/get, so tests can check what an image message carried.
  router.post('/cgi-bin/media/upload', async (ctx) => {
    if (!tokenOk(ctx, 'media/upload')) return;
    if (ctx.query.type !== 'image') return fail(ctx, 40004, 'invalid media type');
    const form = await new Request('http://fake/upload', {
      method: 'POST',
      headers: { 'content-type': ctx.get('content-type') },
      body: Buffer.concat(await collect(ctx.req)),
    })
      .formData()
      .catch(() => undefined);
    const media = form?.get('media');
    if (!media || typeof media === 'string') return fail(ctx, 41001, 'missing media');
    const mediaId = state.addMedia(
      Buffer.from(await media.arrayBuffer()),
      media.type || 'application/octet-stream',
    );
    ctx.body = {
      errcode: 0,
      errmsg: 'ok',
      type: 'image',
      media_id: mediaId,
      created_at: String(Math.floor(Date.now() / 1000)),
    };
  });

  router.post('/cgi-bin/menu/create', async (ctx) => {
    if (!tokenOk(ctx, 'menu/create')) return;
    if (ctx.query.agentid !== String(state.corp.agentId)) return fail(ctx, 40056, 'invalid agentid');
    const body = await readJson(ctx);
    if (!body || !Array.isArray(body.button) || body.button.length === 0 || body.button.length > 3) {
      return fail(ctx, 40016, 'invalid button size');
    }
    state.menus.push(body);
    ctx.body = { errcode: 0, errmsg: 'ok' };
  });

  // What the member's phone does, not part of WeCom's server API: upload a photo to get a MediaId.
  router.post('/__fake/media', async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    ctx.body = {
      media_id: state.addMedia(Buffer.concat(chunks), ctx.get('content-type') || 'application/octet-stream'),
    };
  });

  // What the member's phone shows: messages pushed to them, long-polled by the simulator.
  router.get('/__fake/messages', async (ctx) => {
    const touser = typeof ctx.query.touser === 'string' ? ctx.query.touser : '';
    const after = Number(ctx.query.after ?? 0) || 0;
    const wait = Math.min(Number(ctx.query.wait ?? 0) || 0, 25_000);
    if (state.messagesFor(touser, after).length === 0 && wait > 0) await state.waitForMessage(wait);
    ctx.body = { messages: state.messagesFor(touser, after) };
  });

  return router;
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return chunks;
}
