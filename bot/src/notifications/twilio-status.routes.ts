/**
 * `POST /twilio/status`: Twilio's delivery reports for the SMS we sent. The `X-Twilio-Signature` is
 * checked against `PUBLIC_BASE_URL` (the URL Twilio was given), so only Twilio can move a status. Status
 * only moves forward (queued → sending → sent → delivered | undelivered | failed); duplicates and
 * out-of-order reports change nothing. An SMS that ends undelivered or failed is sent again as a WeCom
 * push to the same staff member, if they are bound to WeCom.
 * Reference: https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
import Router from '@koa/router';
import twilio from 'twilio';
import type { DataSource } from 'typeorm';
import { inTransaction } from '../db/transaction';
import { readForm } from '../http/body';
import type { RequestState } from '../http/context';
import { enqueue } from './enqueue';
import { OutboxMessage } from './outbox.entity';

export const TWILIO_STATUS_PATH = '/twilio/status';
const MAX_FORM_BYTES = 16 * 1024;

/** Order of Twilio message statuses; the terminal ones share the top rank. */
const RANK: Readonly<Record<string, number>> = {
  accepted: 1,
  scheduled: 1,
  queued: 2,
  sending: 3,
  sent: 4,
  receiving: 4,
  received: 5,
  delivered: 5,
  undelivered: 5,
  failed: 5,
  canceled: 5,
  read: 6,
};
const UNDELIVERED = new Set(['undelivered', 'failed']);

export interface TwilioStatusDeps {
  readonly authToken: string;
  /** PUBLIC_BASE_URL; without it signatures cannot be checked and every report is refused. */
  readonly publicBaseUrl: string | undefined;
  readonly dataSource: () => DataSource;
}

export function twilioStatusRoutes(deps: TwilioStatusDeps): Router<RequestState> {
  const router = new Router<RequestState>();
  router.post(TWILIO_STATUS_PATH, async (ctx) => {
    const log = ctx.state.log;
    const params = await readForm(ctx, MAX_FORM_BYTES);
    if (!deps.publicBaseUrl) {
      log.warn('Twilio status report refused: set PUBLIC_BASE_URL so its signature can be checked');
      ctx.status = 403;
      return;
    }
    const url = `${deps.publicBaseUrl}${ctx.url}`;
    if (!twilio.validateRequest(deps.authToken, ctx.get('X-Twilio-Signature'), url, params)) {
      log.warn(
        { url },
        'Twilio status report refused: bad X-Twilio-Signature (check TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL)',
      );
      ctx.status = 403;
      return;
    }
    const sid = params.MessageSid ?? params.SmsSid;
    const status = (params.MessageStatus ?? params.SmsStatus ?? '').toLowerCase();
    if (!sid || RANK[status] === undefined) {
      ctx.status = 400;
      return;
    }
    const applied = await inTransaction(deps.dataSource(), async (manager) => {
      const row = await manager.findOneBy(OutboxMessage, { providerId: sid, channel: 'sms' });
      if (!row) return 'unknown';
      if ((RANK[row.providerStatus ?? ''] ?? 0) >= (RANK[status] ?? 0)) return 'stale';
      await manager.update(
        OutboxMessage,
        { id: row.id },
        {
          providerStatus: status,
          lastError: params.ErrorCode ? `Twilio error ${params.ErrorCode}` : row.lastError,
        },
      );
      if (UNDELIVERED.has(status) && row.recipientKind === 'staff') {
        await enqueue(manager, {
          channel: 'wecom',
          to: { staffId: Number(row.recipientRef) },
          template: row.template,
          data: row.data,
          dedupeKey: `${row.dedupeKey.slice(0, 170)}#sms-fallback`,
          urgency: row.urgency,
        });
        return 'fallback';
      }
      return 'applied';
    });
    log.info({ sid, status, applied }, 'Twilio status report');
    ctx.status = 204;
  });
  return router;
}
