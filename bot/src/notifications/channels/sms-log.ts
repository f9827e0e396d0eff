import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../logger';
import type { DeliveryTarget, NotificationChannel, SendContext, SendOutcome } from './channel';

/**
 * `SMS_PROVIDER=log` (the default without Twilio): every SMS goes to the log and to `DATA_DIR/sms.log`,
 * one JSON object a line, so a newcomer sees verification codes and alerts without an SMS account.
 */
export class LogSmsChannel implements NotificationChannel {
  readonly channel = 'sms' as const;

  constructor(
    private readonly file: string,
    private readonly logger: Logger,
  ) {}

  async send(target: DeliveryTarget, message: { text: string }, context: SendContext): Promise<SendOutcome> {
    const entry = {
      at: new Date().toISOString(),
      to: target.address,
      name: target.name,
      body: message.text,
      outboxId: context.outboxId,
    };
    await mkdir(path.dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify(entry)}\n`, 'utf8');
    this.logger.info({ sms: entry }, 'SMS (log provider)');
    return { providerId: `log-${context.outboxId}`, providerStatus: 'logged' };
  }
}
