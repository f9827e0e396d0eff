/**
 * The outbound WeCom API client (`WECOM_API_BASE`): access token, message/send (to one member or a batch
 * of up to 1,000), media/get, media/upload, menu/create, and the OAuth2 web-page identity (网页授权).
 * Error codes: https://developer.work.weixin.qq.com/document/path/90313 (全局错误码).
 *  - 40014 / 42001 (token invalid / expired): forget the token, fetch a new one, retry the call once;
 *  - 40001 / 40013 from gettoken (bad secret / CorpID): a configuration error — logged, remembered for a
 *    minute so that callers fail fast instead of hammering WeCom, never retried in a loop;
 *  - -1 (system busy): retried with backoff a couple of times.
 */
import type { Logger } from '../../logger';
import type { TokenStore } from './token-store';

export const TOKEN_ERRORS = new Set([40014, 42001]);
const CONFIG_ERRORS = new Set([40001, 40013, 40056, 40091]);
const BUSY = -1;
const REQUEST_TIMEOUT_MS = 10_000;
export const MAX_MEDIA_BYTES = 10 * 1024 * 1024;

export class WecomApiError extends Error {
  constructor(
    readonly endpoint: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`WeCom ${endpoint} failed: ${errcode} ${errmsg}`);
    this.name = 'WecomApiError';
  }
}

/** The corp credentials were refused: an operator must fix WECOM_CORP_ID / WECOM_SECRET. */
export class WecomConfigError extends WecomApiError {
  constructor(errcode: number, errmsg: string) {
    super('gettoken', errcode, errmsg);
    this.name = 'WecomConfigError';
    this.message = `WeCom refused the credentials (${errcode} ${errmsg}): check WECOM_CORP_ID and WECOM_SECRET`;
  }
}

/** A downloaded file that is not an acceptable photo (not JPEG/PNG, too large, an error page…). */
export class MediaRejectedError extends Error {
  constructor(
    readonly mediaId: string,
    reason: string,
  ) {
    super(`media ${mediaId} rejected: ${reason}`);
    this.name = 'MediaRejectedError';
  }
}

/**
 * A member list message/send could never take (none, more than 1,000, or an empty or `|`-containing
 * UserID): refused before any request, and sending it again cannot help.
 */
export class InvalidRecipientListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRecipientListError';
  }
}

export type OutboundMessage =
  | { readonly msgtype: 'text'; readonly text: { readonly content: string } }
  | { readonly msgtype: 'markdown'; readonly markdown: { readonly content: string } }
  | {
      readonly msgtype: 'textcard';
      readonly textcard: {
        readonly title: string;
        readonly description: string;
        readonly url: string;
        readonly btntxt?: string;
      };
    }
  | {
      readonly msgtype: 'news';
      readonly news: {
        readonly articles: ReadonlyArray<{
          readonly title: string;
          readonly description?: string;
          readonly url: string;
          readonly picurl?: string;
        }>;
      };
    }
  | { readonly msgtype: 'template_card'; readonly template_card: Readonly<Record<string, unknown>> }
  | { readonly msgtype: 'image'; readonly image: { readonly media_id: string } };

/** Where WeCom serves its OAuth2 page, whatever WECOM_API_BASE is (an egress proxy only carries the API). */
const OAUTH_HOST = 'https://open.weixin.qq.com';
/** message/send accepts at most 1,000 members in `touser`. */
export const MAX_USERS_PER_SEND = 1000;
/** The longest duplicate-check window message/send allows (4 hours). */
export const MAX_DUPLICATE_CHECK_SECONDS = 4 * 60 * 60;

export interface SendOptions {
  /**
   * Asks WeCom not to deliver the same request again within this many seconds (enable_duplicate_check,
   * duplicate_check_interval; at most 4 h): a resend after a crash reaches nobody twice.
   * https://developer.work.weixin.qq.com/document/path/90236 (发送应用消息)
   */
  readonly duplicateCheckSeconds?: number;
}

export interface SendResult {
  readonly msgId: string | undefined;
  /** Members the message could not reach (not in the app's visible range, unknown id…). */
  readonly invalidUsers: readonly string[];
}

export interface DownloadedMedia {
  readonly data: Buffer;
  readonly mimeType: 'image/jpeg' | 'image/png';
  readonly extension: 'jpg' | 'png';
}

export interface WecomApiClientOptions {
  /** Resolved per call: in development the fake API's address is known only once the port is bound. */
  readonly apiBase: () => string;
  readonly corpId: string;
  readonly agentId: number;
  readonly secret: string;
  readonly logger: Logger;
  /** Builds the shared token store around this client's gettoken call. */
  readonly tokenStore: (
    fetchToken: () => Promise<{ accessToken: string; expiresInSeconds: number }>,
  ) => TokenStore;
  readonly busyRetryDelaysMs?: readonly number[];
}

interface WecomResponse {
  errcode?: number;
  errmsg?: string;
  [key: string]: unknown;
}

const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export class WecomApiClient {
  private readonly tokens: TokenStore;
  private configFailure: { error: WecomConfigError; at: number } | undefined;

  constructor(private readonly options: WecomApiClientOptions) {
    this.tokens = options.tokenStore(() => this.fetchToken());
  }

  /** message/send to one member (or `a|b|c`: see {@link sendToMany}). */
  async sendMessage(
    toUser: string,
    message: OutboundMessage,
    options: SendOptions = {},
  ): Promise<SendResult> {
    const interval = options.duplicateCheckSeconds;
    const body = {
      touser: toUser,
      agentid: this.options.agentId,
      safe: 0,
      ...message,
      ...(interval === undefined
        ? {}
        : {
            enable_duplicate_check: 1,
            duplicate_check_interval: Math.min(
              MAX_DUPLICATE_CHECK_SECONDS,
              Math.max(1, Math.round(interval)),
            ),
          }),
    };
    const response = await this.withToken('message/send', (token) =>
      this.request('POST', '/cgi-bin/message/send', { access_token: token }, body),
    );
    const invalid = typeof response.invaliduser === 'string' ? response.invaliduser : '';
    return {
      msgId: typeof response.msgid === 'string' ? response.msgid : undefined,
      invalidUsers: invalid === '' ? [] : invalid.split('|'),
    };
  }

  /**
   * message/send to up to 1,000 members in one call. Members WeCom cannot reach come back in
   * `invalidUsers`; if none of them can be reached WeCom answers 81013 instead (an error).
   */
  async sendToMany(
    toUsers: readonly string[],
    message: OutboundMessage,
    options: SendOptions = {},
  ): Promise<SendResult> {
    if (toUsers.length === 0 || toUsers.length > MAX_USERS_PER_SEND)
      throw new InvalidRecipientListError(
        `message/send takes 1 to ${MAX_USERS_PER_SEND} members, not ${toUsers.length}`,
      );
    if (toUsers.some((user) => user === '' || user.includes('|')))
      throw new InvalidRecipientListError('a WeCom UserID cannot be empty or contain "|"');
    return this.sendMessage(toUsers.join('|'), message, options);
  }

  /**
   * The OAuth2 link (网页授权, scope snsapi_base: silent) that sends a member opening it in WeCom back to
   * `redirectUri` with `code` and `state`, on open.weixin.qq.com — or on `authorizeBase`, which the
   * composition root passes only when the WeCom API is the fake (development mode, tests).
   * https://developer.work.weixin.qq.com/document/path/91022 (构造网页授权链接)
   */
  oauthAuthorizeUrl(
    redirectUri: string,
    state: string,
    options: { readonly authorizeBase?: string } = {},
  ): string {
    const url = new URL(`${options.authorizeBase ?? OAUTH_HOST}/connect/oauth2/authorize`);
    // WeCom documents the parameters in this order; keep it.
    url.searchParams.set('appid', this.options.corpId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', 'snsapi_base');
    url.searchParams.set('state', state);
    url.searchParams.set('agentid', String(this.options.agentId));
    return `${url.toString()}#wechat_redirect`;
  }

  /**
   * auth/getuserinfo: the member an OAuth2 `code` stands for (codes work once, for 5 minutes). Undefined
   * for someone outside the corp (WeCom answers an openid instead); WecomApiError 40029 for a bad code.
   * https://developer.work.weixin.qq.com/document/path/91023 (获取访问用户身份)
   */
  async userIdForOAuthCode(code: string): Promise<string | undefined> {
    const response = await this.withToken('auth/getuserinfo', (token) =>
      this.request('GET', '/cgi-bin/auth/getuserinfo', { access_token: token, code }),
    );
    const userId = response.userid ?? response.UserId;
    return typeof userId === 'string' && userId !== '' ? userId : undefined;
  }

  /** menu/create for this application. */
  async createMenu(menu: { readonly button: readonly unknown[] }): Promise<void> {
    await this.withToken('menu/create', (token) =>
      this.request(
        'POST',
        '/cgi-bin/menu/create',
        { access_token: token, agentid: String(this.options.agentId) },
        menu,
      ),
    );
  }

  /**
   * media/get: downloads a photo a member sent (MediaId is valid for 3 days). Accepts only real JPEG or
   * PNG data up to MAX_MEDIA_BYTES; WeCom reports errors as a JSON body with status 200.
   */
  async downloadMedia(mediaId: string): Promise<DownloadedMedia> {
    return this.withToken('media/get', async (token) => {
      const url = this.url('/cgi-bin/media/get', { access_token: token, media_id: mediaId });
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      const contentType = response.headers.get('content-type') ?? '';
      if (/json|text\/plain/i.test(contentType)) {
        this.check('media/get', (await response.json()) as WecomResponse);
        throw new MediaRejectedError(mediaId, `an answer of type ${contentType} instead of a file`);
      }
      if (!response.ok || !response.body) throw new MediaRejectedError(mediaId, `HTTP ${response.status}`);
      const declared = Number(response.headers.get('content-length') ?? '0');
      if (declared > MAX_MEDIA_BYTES) {
        await response.body.cancel();
        throw new MediaRejectedError(mediaId, `${declared} bytes is over the ${MAX_MEDIA_BYTES}-byte limit`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Uint8Array).byteLength;
        if (size > MAX_MEDIA_BYTES)
          throw new MediaRejectedError(mediaId, `over the ${MAX_MEDIA_BYTES}-byte limit`);
        chunks.push(Buffer.from(chunk as Uint8Array));
      }
      const data = Buffer.concat(chunks);
      if (data.subarray(0, 3).equals(JPEG)) return { data, mimeType: 'image/jpeg', extension: 'jpg' };
      if (data.subarray(0, 8).equals(PNG)) return { data, mimeType: 'image/png', extension: 'png' };
      throw new MediaRejectedError(mediaId, 'not a JPEG or PNG image');
    });
  }

  /**
   * media/upload (type=image): a temporary media file for an image message, valid 3 days.
   * https://developer.work.weixin.qq.com/document/path/90253
   */
  async uploadImage(data: Buffer, filename: string, mimeType: string): Promise<string> {
    const response = await this.withToken('media/upload', async (token) => {
      const form = new FormData();
      form.append('media', new Blob([new Uint8Array(data)], { type: mimeType }), filename);
      const answer = await fetch(this.url('/cgi-bin/media/upload', { access_token: token, type: 'image' }), {
        method: 'POST',
        body: form,
        signal: AbortSignal.timeout(30_000),
      });
      if (!answer.ok) throw new WecomApiError('media/upload', -2, `HTTP ${answer.status}`);
      return (await answer.json()) as WecomResponse;
    });
    const mediaId = (response as { media_id?: unknown }).media_id;
    if (typeof mediaId !== 'string' || mediaId === '')
      throw new WecomApiError('media/upload', -2, 'no media_id');
    return mediaId;
  }

  private url(path: string, query: Record<string, string>): string {
    const url = new URL(this.options.apiBase() + path);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url.toString();
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string>,
    body?: unknown,
  ): Promise<WecomResponse> {
    const response = await fetch(this.url(path, query), {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) throw new WecomApiError(path.replace('/cgi-bin/', ''), -2, `HTTP ${response.status}`);
    return (await response.json()) as WecomResponse;
  }

  /** Throws for a non-zero errcode. */
  private check(endpoint: string, response: WecomResponse): WecomResponse {
    const errcode = response.errcode ?? 0;
    if (errcode !== 0) throw new WecomApiError(endpoint, errcode, response.errmsg ?? '');
    return response;
  }

  /** Runs `call` with a valid token; a token error invalidates it and retries once; -1 backs off. */
  private async withToken<T>(
    endpoint: string,
    call: (token: string) => Promise<T | WecomResponse>,
  ): Promise<T> {
    const delays = this.options.busyRetryDelaysMs ?? [500, 1500];
    let tokenRetried = false;
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.tokens.get();
      try {
        const result = await call(token);
        if (isWecomResponse(result)) this.check(endpoint, result);
        return result as T;
      } catch (error) {
        if (error instanceof WecomApiError && TOKEN_ERRORS.has(error.errcode) && !tokenRetried) {
          tokenRetried = true;
          this.options.logger.info(
            { endpoint, errcode: error.errcode },
            'WeCom token rejected; refreshing once',
          );
          await this.tokens.invalidate(token);
          attempt -= 1;
          continue;
        }
        if (error instanceof WecomApiError && error.errcode === BUSY && attempt < delays.length) {
          await pause(delays[attempt] ?? 1000);
          continue;
        }
        throw error;
      }
    }
  }

  private async fetchToken(): Promise<{ accessToken: string; expiresInSeconds: number }> {
    if (this.configFailure && Date.now() - this.configFailure.at < 60_000) throw this.configFailure.error;
    const delays = this.options.busyRetryDelaysMs ?? [500, 1500];
    for (let attempt = 0; ; attempt += 1) {
      const response = await this.request('GET', '/cgi-bin/gettoken', {
        corpid: this.options.corpId,
        corpsecret: this.options.secret,
      });
      const errcode = response.errcode ?? 0;
      if (errcode === 0 && typeof response.access_token === 'string') {
        this.configFailure = undefined;
        const expiresIn = typeof response.expires_in === 'number' ? response.expires_in : 7200;
        return { accessToken: response.access_token, expiresInSeconds: expiresIn };
      }
      if (CONFIG_ERRORS.has(errcode)) {
        const error = new WecomConfigError(errcode, response.errmsg ?? '');
        this.configFailure = { error, at: Date.now() };
        this.options.logger.error({ errcode, errmsg: response.errmsg }, error.message);
        throw error;
      }
      if (errcode === BUSY && attempt < delays.length) {
        await pause(delays[attempt] ?? 1000);
        continue;
      }
      throw new WecomApiError('gettoken', errcode, response.errmsg ?? 'no access_token in the answer');
    }
  }
}

function isWecomResponse(value: unknown): value is WecomResponse {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && 'errcode' in value;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms + Math.random() * 100));
