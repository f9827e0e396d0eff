/**
 * Email through nodemailer to `SMTP_URL`. Connection, greeting and socket timeouts keep a dead mail
 * server from holding the relay. Nothing a template or a person supplied can break a header: CR/LF are
 * removed from the subject and the display name, and the address must be a plain address.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import {
  PermanentSendError,
  RetryableSendError,
  type DeliveryTarget,
  type NotificationChannel,
  type SendOutcome,
} from './channel';
import type { RenderedNotification } from '../templates/template';

const PLAIN_ADDRESS = /^[^\s@<>",;:\\]+@[^\s@<>",;:\\]+\.[^\s@<>",;:\\]+$/;

export interface EmailOptions {
  readonly smtpUrl: string;
  readonly from: string;
  readonly timeoutMs?: number;
}

export const headerSafe = (value: string) => value.replace(/[\r\n]+/g, ' ').trim();

export class EmailChannel implements NotificationChannel {
  readonly channel = 'email' as const;
  private readonly transport: Transporter;

  constructor(private readonly options: EmailOptions) {
    const timeout = options.timeoutMs ?? 15_000;
    const url = new URL(options.smtpUrl);
    this.transport = nodemailer.createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
      secure: url.protocol === 'smtps:',
      ...(url.username
        ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
        : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  }

  async send(
    target: DeliveryTarget,
    message: Pick<RenderedNotification, 'subject' | 'text' | 'attachments'>,
  ): Promise<SendOutcome> {
    if (!PLAIN_ADDRESS.test(target.address))
      throw new PermanentSendError(`not a plain email address: ${JSON.stringify(target.address)}`);
    try {
      const info = await this.transport.sendMail({
        from: headerSafe(this.options.from),
        to: target.name ? { name: headerSafe(target.name), address: target.address } : target.address,
        subject: headerSafe(message.subject),
        text: message.text,
        ...(message.attachments?.length
          ? {
              attachments: message.attachments.map((file) => ({
                filename: headerSafe(file.filename),
                contentType: headerSafe(file.contentType),
                content: file.content,
              })),
            }
          : {}),
      });
      return { providerId: String(info.messageId).slice(0, 64), providerStatus: 'accepted' };
    } catch (error) {
      const responseCode = (error as { responseCode?: unknown }).responseCode;
      if (typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600) {
        throw new PermanentSendError(`SMTP ${responseCode}: ${(error as Error).message}`);
      }
      throw new RetryableSendError(`SMTP: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
