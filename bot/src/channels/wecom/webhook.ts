/**
 * `GET|POST /wecom/callback` (DESIGN §2). Every step before the inbox insert is a pure check on the raw
 * request, in this order: size cap → `<Encrypt>` extraction (no XML parser on unverified input) →
 * timing-safe signature → timestamp window → strict decryption → receiveid → allow-listed parse.
 * Refusals never reach the database: forged, stale or wrong-corp → 401; malformed → 400; too big → 413.
 * Each refusal logs which setting to check, because in practice most "attacks" are misconfigurations.
 * Callback reference: https://developer.work.weixin.qq.com/document/path/90930 (接收消息与事件).
 */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { BotReply } from '../../conversation/reply';
import { AppError } from '../../errors';
import { readBody } from '../../http/body';
import type { RequestState } from '../../http/context';
import type { WecomCrypto } from './crypto';
import type { Inbox, Processed } from './inbox';
import { dedupeKey, toInboundMessage, type InboundMessage } from './message';
import { buildXml, extractEncrypt, parseXml, XmlError } from './xml';

export const MAX_BODY_BYTES = 64 * 1024;
export const TIMESTAMP_WINDOW_SECONDS = 300;
export const DEFAULT_REPLY_BUDGET_MS = 2000;

export interface WecomWebhookOptions {
  readonly crypto: WecomCrypto;
  readonly corpId: string;
  readonly inbox: Inbox;
  /** How long processing may take before the answer is an empty 200 and the reply is pushed. */
  readonly replyBudgetMs?: number;
  readonly clock?: () => number;
}

type Refusal = { status: 400 | 401 | 413; reason: string; check?: string };

class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.reason);
  }
}

function singleParam(ctx: Context, name: string): string {
  const value = ctx.query[name];
  if (typeof value !== 'string' || value === '' || value.length > 1024) {
    throw new Refused({ status: 400, reason: `query parameter ${name} missing or malformed` });
  }
  return value;
}

async function readCappedBody(ctx: Context): Promise<string> {
  try {
    return (await readBody(ctx, MAX_BODY_BYTES)).toString('utf8');
  } catch (error) {
    if (error instanceof AppError && error.code === 'PAYLOAD_TOO_LARGE')
      throw new Refused({ status: 413, reason: error.message });
    throw error;
  }
}

export class WecomWebhook {
  private readonly budgetMs: number;
  private readonly clock: () => number;
  /** Replies still being pushed after the HTTP answer went out; awaited at shutdown. */
  private readonly background = new Set<Promise<unknown>>();

  constructor(private readonly options: WecomWebhookOptions) {
    this.budgetMs = options.replyBudgetMs ?? DEFAULT_REPLY_BUDGET_MS;
    this.clock = options.clock ?? Date.now;
  }

  routes(): Router<RequestState> {
    const router = new Router<RequestState>();
    router.get('/wecom/callback', (ctx) => this.guard(ctx, () => this.verifyUrl(ctx)));
    router.post('/wecom/callback', (ctx) => this.guard(ctx, () => this.receive(ctx)));
    return router;
  }

  /** Waits for replies still being pushed (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.background]);
  }

  private async guard(ctx: Context & { state: RequestState }, handle: () => Promise<void>): Promise<void> {
    try {
      await handle();
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      const { status, reason, check } = error.refusal;
      ctx.state.log.warn({ status, reason, ...(check ? { check } : {}) }, 'wecom callback refused');
      ctx.status = status;
      ctx.type = 'text/plain';
      ctx.body = status === 401 ? 'unauthorized' : status === 413 ? 'payload too large' : 'bad request';
    }
  }

  /** Signature, timestamp window, strict decryption and receiveid: what every callback must pass. */
  private open(signature: string, timestamp: string, nonce: string, encrypted: string): string {
    const { crypto, corpId } = this.options;
    if (!crypto.verify(signature, timestamp, nonce, encrypted)) {
      throw new Refused({ status: 401, reason: 'msg_signature does not match', check: 'WECOM_TOKEN' });
    }
    const sentAt = Number(timestamp);
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(this.clock() / 1000 - sentAt) > TIMESTAMP_WINDOW_SECONDS) {
      throw new Refused({
        status: 401,
        reason: `timestamp ${timestamp} is outside ±${TIMESTAMP_WINDOW_SECONDS}s of now (a replay, or this server's clock is off)`,
        check: 'the server clock (NTP)',
      });
    }
    const decrypted = crypto.decrypt(encrypted);
    if (!decrypted.ok) {
      throw new Refused({
        status: decrypted.reason === 'base64' ? 400 : 401,
        reason: `cannot decrypt (${decrypted.reason})`,
        check: 'WECOM_ENCODING_AES_KEY',
      });
    }
    if (decrypted.receiveId !== corpId) {
      throw new Refused({
        status: 401,
        reason: 'message is for another corp (receiveid)',
        check: 'WECOM_CORP_ID',
      });
    }
    return decrypted.message;
  }

  /** URL verification: answer the decrypted echostr as bare text. */
  private verifyUrl(ctx: Context): Promise<void> {
    const plain = this.open(
      singleParam(ctx, 'msg_signature'),
      singleParam(ctx, 'timestamp'),
      singleParam(ctx, 'nonce'),
      singleParam(ctx, 'echostr'),
    );
    ctx.type = 'text/plain';
    ctx.body = plain;
    return Promise.resolve();
  }

  private async receive(ctx: Context): Promise<void> {
    const signature = singleParam(ctx, 'msg_signature');
    const timestamp = singleParam(ctx, 'timestamp');
    const nonce = singleParam(ctx, 'nonce');
    const body = await readCappedBody(ctx);
    const encrypted = extractEncrypt(body);
    if (encrypted === undefined)
      throw new Refused({ status: 400, reason: 'no single <Encrypt> element in the body' });
    const plain = this.open(signature, timestamp, nonce, encrypted);

    let message: InboundMessage;
    try {
      message = toInboundMessage(parseXml(plain));
    } catch (error) {
      if (error instanceof XmlError)
        throw new Refused({ status: 400, reason: `inner XML: ${error.message}` });
      throw error;
    }
    if (message.toUserName !== this.options.corpId) {
      throw new Refused({ status: 401, reason: 'ToUserName is another corp', check: 'WECOM_CORP_ID' });
    }

    const accepted = await this.options.inbox.accept(message, dedupeKey(message));
    if (accepted.duplicate) {
      // A retry: no second effect. Repeat the passive reply if there was one; otherwise just acknowledge.
      const { record } = accepted;
      const reply = record.status === 'done' && record.replyChannel === null ? record.reply?.[0] : undefined;
      this.answer(ctx, message, reply);
      return;
    }

    const work = this.options.inbox.process(accepted.id, message, 1);
    const outcome = await Promise.race([
      work.then(
        (processed) => ({ processed }),
        () => ({ failed: true as const }),
      ),
      new Promise<{ late: true }>((resolve) =>
        setTimeout(() => resolve({ late: true }), this.budgetMs).unref(),
      ),
    ]);

    if ('processed' in outcome && outcome.processed.channel === null) {
      this.answer(ctx, message, outcome.processed.replies[0]);
      return;
    }
    this.answer(ctx, message, undefined);
    if ('failed' in outcome) return; // recorded as failed; the wecom-inbox job retries it
    this.track(
      work.then(
        (processed: Processed) => {
          if (processed.replies.length === 0) return undefined;
          // Already pushed through the outbox if it could never be passive; otherwise it is late now.
          if (processed.channel === 'push') return undefined;
          return this.options.inbox.pushLateReply(accepted.id, message.fromUserName, processed.replies);
        },
        () => undefined,
      ),
    );
  }

  /** Sends the encrypted passive reply, or an empty 200 ("received, nothing to say"). */
  private answer(ctx: Context, message: InboundMessage, reply: BotReply | undefined): void {
    ctx.status = 200;
    if (reply?.type !== 'text') {
      ctx.body = '';
      return;
    }
    const { crypto, corpId } = this.options;
    const now = Math.floor(this.clock() / 1000);
    const inner = buildXml([
      ['ToUserName', message.fromUserName],
      ['FromUserName', corpId],
      ['CreateTime', now],
      ['MsgType', 'text'],
      ['Content', reply.content],
    ]);
    const encrypted = crypto.encrypt(inner, corpId);
    const nonce = randomBytes(8).toString('hex');
    ctx.type = 'application/xml';
    ctx.body = buildXml([
      ['Encrypt', encrypted],
      ['MsgSignature', crypto.sign(String(now), nonce, encrypted)],
      ['TimeStamp', now],
      ['Nonce', nonce],
    ]);
  }

  private track(promise: Promise<unknown>): void {
    this.background.add(promise);
    void promise.finally(() => this.background.delete(promise));
  }
}
