/**
 * SMS through the official `twilio` SDK, its HTTP client pointed at `TWILIO_API_BASE` (so a regional
 * edge, a proxy or a test double can stand in for api.twilio.com). Errors are classified for the relay:
 * 429 and 5xx are retried; other 4xx are permanent (invalid number, unverified sender…); a timeout or a
 * reset after the request went out is *uncertain* — Twilio may have accepted it, so before sending again
 * the relay lists the messages sent to that number since and adopts a matching one.
 * API: https://www.twilio.com/docs/messaging/api/message-resource
 */
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';
import type TwilioResponse from 'twilio/lib/http/response';
import {
  PermanentSendError,
  RetryableSendError,
  UncertainSendError,
  type DeliveryTarget,
  type NotificationChannel,
  type SendOutcome,
} from './channel';

const TWILIO_ORIGIN = 'https://api.twilio.com';
/** Errors raised before any byte reached Twilio: safe to send again. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** RequestClient that sends what the SDK addresses to api.twilio.com to `base` instead. */
class RebasedRequestClient extends RequestClient {
  constructor(
    private readonly base: string,
    timeoutMs: number,
  ) {
    super({ timeout: timeoutMs, keepAlive: true });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioResponse<TData>> {
    const uri = opts.uri.startsWith(TWILIO_ORIGIN)
      ? this.base + opts.uri.slice(TWILIO_ORIGIN.length)
      : opts.uri;
    return super.request({ ...opts, uri });
  }
}

export interface TwilioSmsOptions {
  readonly accountSid: string;
  readonly authToken: string;
  /** An E.164 number, or a Messaging Service SID (MG…). */
  readonly from: string;
  readonly apiBase: string;
  /** Where Twilio reports delivery (`<PUBLIC_BASE_URL>/twilio/status`); omitted when unknown. */
  readonly statusCallbackUrl: string | undefined;
  readonly timeoutMs?: number;
}

export class TwilioSmsChannel implements NotificationChannel {
  readonly channel = 'sms' as const;
  private readonly client: twilio.Twilio;

  constructor(private readonly options: TwilioSmsOptions) {
    this.client = twilio(options.accountSid, options.authToken, {
      httpClient: new RebasedRequestClient(options.apiBase, options.timeoutMs ?? 15_000),
      autoRetry: false, // the outbox owns retries and their backoff
    });
  }

  async send(target: DeliveryTarget, message: { text: string }): Promise<SendOutcome> {
    const sender = this.options.from.startsWith('MG')
      ? { messagingServiceSid: this.options.from }
      : { from: this.options.from };
    try {
      const created = await this.client.messages.create({
        to: target.address,
        body: message.text,
        ...sender,
        ...(this.options.statusCallbackUrl ? { statusCallback: this.options.statusCallbackUrl } : {}),
      });
      return { providerId: created.sid, providerStatus: created.status };
    } catch (error) {
      throw classify(error);
    }
  }

  async findAccepted(
    target: DeliveryTarget,
    message: { text: string },
    since: Date,
  ): Promise<SendOutcome | undefined> {
    try {
      const recent = await this.client.messages.list({
        to: target.address,
        dateSentAfter: new Date(since.getTime() - 60_000),
        limit: 50,
      });
      const match = recent.find((candidate) => candidate.body === message.text);
      return match ? { providerId: match.sid, providerStatus: match.status } : undefined;
    } catch (error) {
      const classified = classify(error);
      // Not knowing is not a reason to send twice: keep the row uncertain and ask again later.
      throw classified instanceof PermanentSendError
        ? classified
        : new RetryableSendError(classified.message);
    }
  }
}

function classify(error: unknown): Error {
  const status = (error as { status?: unknown }).status;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof status === 'number') {
    if (status === 429 || status >= 500) return new RetryableSendError(`Twilio ${status}: ${message}`);
    return new PermanentSendError(
      `Twilio ${status}${typeof code === 'number' ? ` (${code})` : ''}: ${message}`,
    );
  }
  if (typeof code === 'string' && NOT_SENT_CODES.has(code))
    return new RetryableSendError(`Twilio unreachable: ${code}`);
  return new UncertainSendError(`Twilio did not answer (${typeof code === 'string' ? code : message})`);
}
