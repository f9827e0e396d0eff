/**
 * The one door from channels into the application (DESIGN §3): a normalised inbound message in, the
 * replies out, inside the caller's transaction. Feature flows hang off this as they are built; until
 * then every conversation gets the greeting and help text.
 */
import type { EntityManager } from 'typeorm';
import type { InboundMessage } from '../channels/wecom/message';
import { DEFAULT_LOCALE, t } from '../i18n';
import type { StoredMedia } from '../storage/media-storage';
import { textReply, type BotReply } from './reply';

/** A photo message's file, already downloaded from WeCom — or why it could not be kept. */
export type MediaAttachment = { readonly stored: StoredMedia } | { readonly rejected: string };

export interface DispatchInput {
  readonly message: InboundMessage;
  /** Set for image messages. */
  readonly media?: MediaAttachment;
  /** Transactional: everything the message changes commits (or not) with the inbox row. */
  readonly manager: EntityManager;
  readonly now: Date;
}

export type Dispatcher = (input: DispatchInput) => Promise<BotReply[]>;

/** Events that need no answer: background location reports, leaving the app, opening a link. */
const SILENT_EVENTS = new Set(['LOCATION', 'unsubscribe', 'view']);

export const dispatch: Dispatcher = ({ message }) => {
  if (message.type === 'event' && SILENT_EVENTS.has(message.event)) return Promise.resolve([]);
  if (message.type === 'unsupported') return Promise.resolve([]);
  const key = message.type === 'event' && message.event === 'subscribe' ? 'bot.welcome' : 'bot.help';
  return Promise.resolve([textReply(t(DEFAULT_LOCALE, key))]);
};
