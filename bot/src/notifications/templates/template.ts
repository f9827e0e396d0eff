import type { z } from 'zod';
import type { OutboundMessage } from '../../channels/wecom/api-client';
import type { Locale } from '../../i18n';

/** What a template produces: a subject (email), a plain text (SMS, email, WeCom), WeCom-specific forms. */
export interface RenderedNotification {
  readonly subject: string;
  readonly text: string;
  /** Richer WeCom messages (markdown, cards, several parts); defaults to one text message of `text`. */
  readonly wecom?: readonly OutboundMessage[];
  /** For system channels (the order system): the JSON document to send. */
  readonly json?: unknown;
  /** Files attached to an email (other channels ignore them); rendered from the data like the text. */
  readonly attachments?: readonly MailAttachment[];
}

/** A file attached to an email. */
export interface MailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly content: string | Buffer;
}

/**
 * A notification template (DESIGN §4.5): a pure render function over validated data, in the recipient's
 * language. `quietHours: 'send'` marks messages someone is waiting for right now (a reply to what they
 * just sent, a verification code): never held until morning.
 */
export interface NotificationTemplate<D> {
  readonly key: string;
  readonly schema: z.ZodType<D>;
  readonly quietHours: 'hold' | 'send';
  render(data: D, locale: Locale): RenderedNotification;
}

const registry = new Map<string, NotificationTemplate<unknown>>();

export function defineTemplate<D>(template: NotificationTemplate<D>): NotificationTemplate<D> {
  if (registry.has(template.key)) throw new Error(`template ${template.key} is defined twice`);
  registry.set(template.key, template);
  return template;
}

export function findTemplate(key: string): NotificationTemplate<unknown> | undefined {
  return registry.get(key);
}
