/**
 * The operator's order system, for completion hand-off: one signed HTTP POST per request, retried by the
 * outbox like any message. The body is the template's JSON document; the signature is
 * `X-Fieldline-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with ORDER_SYSTEM_SECRET>` with
 * `X-Fieldline-Timestamp` (unix seconds), so the receiver can reject forgeries and replays. The answer —
 * `{"result":"completed"|"rejected"|"manual","note"?,"reason"?}` — is applied through `onAnswer` before
 * the message counts as sent: if applying it fails, the call is retried (the receiver must treat the
 * reference number as an idempotency key).
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import {
  PermanentSendError,
  RetryableSendError,
  type DeliveryTarget,
  type NotificationChannel,
  type SendContext,
  type SendOutcome,
} from './channel';
import type { RenderedNotification } from '../templates/template';

export const orderSystemAnswerSchema = z.object({
  result: z.enum(['completed', 'rejected', 'manual']),
  note: z.string().max(1000).optional(),
  reason: z.string().max(64).optional(),
});
export type OrderSystemAnswer = z.infer<typeof orderSystemAnswerSchema>;

export interface OrderSystemOptions {
  readonly url: string;
  readonly secret: string;
  /** Applies the order system's answer to the request the document describes. */
  readonly onAnswer: (document: unknown, answer: OrderSystemAnswer) => Promise<void>;
  readonly timeoutMs?: number;
  readonly clock?: () => Date;
}

/** The signature header value for a body sent at `timestamp` (exported for receivers' tests). */
export function orderSystemSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class OrderSystemChannel implements NotificationChannel {
  readonly channel = 'orders' as const;

  constructor(private readonly options: OrderSystemOptions) {}

  async send(
    _target: DeliveryTarget,
    message: RenderedNotification,
    context: SendContext,
  ): Promise<SendOutcome> {
    if (message.json === undefined) throw new PermanentSendError('the template has no JSON document');
    const body = JSON.stringify(message.json);
    const timestamp = String(Math.floor((this.options.clock?.() ?? new Date()).getTime() / 1000));
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'x-fieldline-timestamp': timestamp,
          'x-fieldline-signature': orderSystemSignature(this.options.secret, timestamp, body),
          'idempotency-key': `outbox-${context.outboxId}`,
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      throw new RetryableSendError(
        `order system unreachable: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const text = await response.text().catch(() => '');
    // 408/429 and 5xx are the receiver's temporary trouble; any other 4xx is a request it will never take.
    if (response.status >= 500 || response.status === 408 || response.status === 429)
      throw new RetryableSendError(`order system answered HTTP ${response.status}`);
    if (!response.ok)
      throw new PermanentSendError(`order system refused: HTTP ${response.status} ${text.slice(0, 200)}`);
    let answer: OrderSystemAnswer;
    try {
      answer = orderSystemAnswerSchema.parse(JSON.parse(text));
    } catch {
      throw new PermanentSendError(`order system answer is not understood: ${text.slice(0, 200)}`);
    }
    await this.options.onAnswer(message.json, answer);
    return { providerId: 'orders', providerStatus: answer.result };
  }
}
