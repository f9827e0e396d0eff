/**
 * Notifications (DESIGN §2, §4.4–4.5): the transactional outbox, the relay that delivers it, the channel
 * adapters (SMS via Twilio or the log, email, WeCom pushes) and their templates.
 */
import path from 'node:path';
import type Router from '@koa/router';
import type { DataSource } from 'typeorm';
import type { MemberThrottle } from '../channels/wecom/throttle';
import type { Config } from '../config';
import type { RequestState } from '../http/context';
import type { Job } from '../jobs/job';
import type { Logger } from '../logger';
import type { ChannelSet } from './channels/channel';
import { EmailChannel } from './channels/email';
import { LogSmsChannel } from './channels/sms-log';
import { TwilioSmsChannel } from './channels/sms-twilio';
import { OrderSystemChannel, type OrderSystemOptions } from './channels/order-system';
import { WecomPushChannel, type BatchSender } from './channels/wecom';
import { drainOutboxJob } from './outbox.job';
import { OutboxRelay } from './relay';
import { TWILIO_STATUS_PATH, twilioStatusRoutes } from './twilio-status.routes';

export { enqueue, type EnqueueProps, type Enqueued, type Recipient } from './enqueue';
export { OutboxMessage, type OutboxChannel, type OutboxStatus, type Urgency } from './outbox.entity';
export { OutboxRelay, type DrainResult } from './relay';
export { quietHoursSetting } from './quiet-hours';
export {
  WECOM_BATCH_LIMIT,
  defineBatchRecipients,
  type BatchAudience,
  type BatchOutcome,
  type BatchRecipients,
} from './batches';
export { defineTemplate, findTemplate, type NotificationTemplate } from './templates';
export { retryOutboxMessage, listOutbox, countDeadOutbox } from './outbox.commands';

export interface Notifications {
  readonly relay: OutboxRelay;
  readonly channels: ChannelSet;
  readonly jobs: readonly Job[];
  readonly routers: ReadonlyArray<Router<RequestState>>;
}

/** Builds the channels named by the configuration, the relay over them, its job and the Twilio route. */
export function createNotifications(options: {
  readonly config: Config;
  readonly dataSource: () => DataSource;
  readonly wecomThrottle: MemberThrottle;
  /** The operator's order system (completion hand-off), when configured. */
  readonly orderSystem?: OrderSystemOptions;
  /** Uploads a stored photo to WeCom for an image message; returns its MediaId. */
  readonly uploadStoredImage?: (key: string) => Promise<string>;
  /** message/send to a batch of up to 1,000 members (broadcasts). */
  readonly sendWecomBatch?: BatchSender;
  readonly logger: Logger;
}): Notifications {
  const { config, logger } = options;
  const log = logger.child({ component: 'notifications' });
  const sms =
    config.sms.provider === 'twilio'
      ? new TwilioSmsChannel({
          accountSid: config.sms.accountSid,
          authToken: config.sms.authToken,
          from: config.sms.from,
          apiBase: config.sms.apiBase,
          statusCallbackUrl: config.publicBaseUrl
            ? `${config.publicBaseUrl}${TWILIO_STATUS_PATH}`
            : undefined,
        })
      : new LogSmsChannel(path.join(config.dataDir, 'sms.log'), log);
  const channels: ChannelSet = {
    sms,
    wecom: new WecomPushChannel(options.wecomThrottle, options.uploadStoredImage, options.sendWecomBatch),
    ...(options.orderSystem ? { orders: new OrderSystemChannel(options.orderSystem) } : {}),
    ...(config.mail
      ? { email: new EmailChannel({ smtpUrl: config.mail.smtpUrl, from: config.mail.from }) }
      : {}),
  };
  const relay = new OutboxRelay({
    dataSource: options.dataSource,
    channels,
    logger: log,
    timeZone: config.timeZone,
  });
  const routers =
    config.sms.provider === 'twilio'
      ? [
          twilioStatusRoutes({
            authToken: config.sms.authToken,
            publicBaseUrl: config.publicBaseUrl,
            dataSource: options.dataSource,
          }),
        ]
      : [];
  return { relay, channels, jobs: [drainOutboxJob(relay)], routers };
}
