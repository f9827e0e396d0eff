/**
 * A WeCom stand-in on the member's side: builds the XML a member's actions produce, signs and encrypts
 * it exactly as WeCom does, delivers it to the callback (retrying like WeCom: a new delivery of the same
 * message if no answer within 5 s, three deliveries in all), and opens the passive reply. Used by the
 * interactive simulator, the tests and the benchmark.
 */
import { randomBytes } from 'node:crypto';
import type { WecomConfig } from '../../bot/src/config';
import { createWecomCrypto, type WecomCrypto } from '../../bot/src/channels/wecom/crypto';
import { buildXml, parseXml, type XmlValue } from '../../bot/src/channels/wecom/xml';

export interface PassiveReply {
  readonly toUser: string;
  readonly fromUser: string;
  readonly msgType: string;
  readonly content: string;
}

export interface DeliveryResult {
  readonly status: number;
  readonly body: string;
  /** The decrypted passive reply, when the answer carried one. */
  readonly reply: PassiveReply | undefined;
  /** How many HTTP deliveries it took (WeCom retries when the answer is slow). */
  readonly deliveries: number;
}

export interface SignedDelivery {
  readonly url: string;
  readonly body: string;
}

export interface WecomClientOptions {
  /** The bot's base URL, e.g. http://127.0.0.1:3000. */
  readonly baseUrl: string;
  readonly corp: WecomConfig;
  readonly userId: string;
  /** WeCom waits 5 s for an answer before delivering again. */
  readonly retryAfterMs?: number;
  readonly maxDeliveries?: number;
  readonly clock?: () => number;
}

let msgIdCounter = BigInt(Date.now()) * 1000n;

export class WecomClient {
  readonly crypto: WecomCrypto;
  private readonly clock: () => number;

  constructor(readonly options: WecomClientOptions) {
    this.crypto = createWecomCrypto({
      token: options.corp.token,
      encodingAesKey: options.corp.encodingAesKey,
    });
    this.clock = options.clock ?? Date.now;
  }

  /** A fresh 64-bit-style MsgId, as WeCom assigns. */
  static nextMsgId(): string {
    msgIdCounter += 1n;
    return msgIdCounter.toString();
  }

  /** The inner (plaintext) XML of a message from this member. */
  messageXml(
    msgType: string,
    fields: ReadonlyArray<readonly [string, XmlValue]>,
    createTime?: number,
  ): string {
    return buildXml([
      ['ToUserName', this.options.corp.corpId],
      ['FromUserName', this.options.userId],
      ['CreateTime', createTime ?? Math.floor(this.clock() / 1000)],
      ['MsgType', msgType],
      ...fields,
      ['AgentID', this.options.corp.agentId],
    ]);
  }

  textXml(content: string, msgId = WecomClient.nextMsgId()): string {
    return this.messageXml('text', [
      ['Content', content],
      ['MsgId', Number.isSafeInteger(Number(msgId)) ? Number(msgId) : msgId],
    ]);
  }

  imageXml(mediaId: string, msgId = WecomClient.nextMsgId()): string {
    return this.messageXml('image', [
      ['PicUrl', `https://wework.qpic.cn/fake/${mediaId}`],
      ['MediaId', mediaId],
      ['MsgId', msgId],
    ]);
  }

  locationXml(latitude: number, longitude: number, label: string, msgId = WecomClient.nextMsgId()): string {
    return this.messageXml('location', [
      ['Location_X', latitude],
      ['Location_Y', longitude],
      ['Scale', 15],
      ['Label', label],
      ['MsgId', msgId],
    ]);
  }

  eventXml(
    event: string,
    eventKey = '',
    extra: ReadonlyArray<readonly [string, XmlValue]> = [],
    createTime?: number,
  ): string {
    return this.messageXml('event', [['Event', event], ['EventKey', eventKey], ...extra], createTime);
  }

  /** Encrypts and signs inner XML into the request WeCom would send. */
  sign(
    innerXml: string,
    options: { timestamp?: number; nonce?: string; corpId?: string } = {},
  ): SignedDelivery {
    const timestamp = String(options.timestamp ?? Math.floor(this.clock() / 1000));
    const nonce = options.nonce ?? String(randomBytes(4).readUInt32BE());
    const encrypted = this.crypto.encrypt(innerXml, options.corpId ?? this.options.corp.corpId);
    const signature = this.crypto.sign(timestamp, nonce, encrypted);
    const url = `${this.options.baseUrl}/wecom/callback?msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`;
    const body = buildXml([
      ['ToUserName', this.options.corp.corpId],
      ['Encrypt', encrypted],
      ['AgentID', this.options.corp.agentId],
    ]);
    return { url, body };
  }

  /** POSTs a signed delivery once. */
  async post(delivery: SignedDelivery, signal?: AbortSignal): Promise<{ status: number; body: string }> {
    const response = await fetch(delivery.url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: delivery.body,
      signal: signal ?? null,
    });
    return { status: response.status, body: await response.text() };
  }

  /** Delivers like WeCom: the same request again if no answer within 5 s, up to three deliveries. */
  async deliver(innerXml: string): Promise<DeliveryResult> {
    const delivery = this.sign(innerXml);
    const maxDeliveries = this.options.maxDeliveries ?? 3;
    const retryAfterMs = this.options.retryAfterMs ?? 5000;
    let lastError: unknown;
    for (let attempt = 1; attempt <= maxDeliveries; attempt += 1) {
      try {
        const answer = await this.post(delivery, AbortSignal.timeout(retryAfterMs));
        return { ...answer, reply: this.openReply(answer.body), deliveries: attempt };
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`no answer after ${maxDeliveries} deliveries`, { cause: lastError });
  }

  /** Verifies and decrypts a passive reply; undefined for an empty answer. Throws if it is forged. */
  openReply(body: string): PassiveReply | undefined {
    if (body.trim() === '') return undefined;
    const envelope = fieldsOf(body);
    const encrypted = envelope.Encrypt ?? '';
    if (
      !this.crypto.verify(
        envelope.MsgSignature ?? '',
        envelope.TimeStamp ?? '',
        envelope.Nonce ?? '',
        encrypted,
      )
    ) {
      throw new Error('the passive reply is not signed with our token');
    }
    const decrypted = this.crypto.decrypt(encrypted);
    if (!decrypted.ok || decrypted.receiveId !== this.options.corp.corpId)
      throw new Error('the passive reply does not decrypt');
    const inner = fieldsOf(decrypted.message);
    return {
      toUser: inner.ToUserName ?? '',
      fromUser: inner.FromUserName ?? '',
      msgType: inner.MsgType ?? '',
      content: inner.Content ?? '',
    };
  }

  /** URL verification as the admin console does it; returns the answer body. */
  async verifyUrl(
    echo = String(randomBytes(8).readBigUInt64BE()),
  ): Promise<{ status: number; body: string; echo: string }> {
    const timestamp = String(Math.floor(this.clock() / 1000));
    const nonce = String(randomBytes(4).readUInt32BE());
    const echostr = this.crypto.encrypt(echo, this.options.corp.corpId);
    const signature = this.crypto.sign(timestamp, nonce, echostr);
    const url = new URL(`${this.options.baseUrl}/wecom/callback`);
    url.search = new URLSearchParams({ msg_signature: signature, timestamp, nonce, echostr }).toString();
    const response = await fetch(url);
    return { status: response.status, body: await response.text(), echo };
  }
}

function fieldsOf(xml: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const child of parseXml(xml).children) fields[child.name] = child.text;
  return fields;
}
