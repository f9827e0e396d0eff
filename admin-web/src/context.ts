import type { RouterContext, RouterMiddleware } from '@koa/router';
import type { DataSource } from 'typeorm';
import type { WebSession } from '../../bot/src/features/accounts';
import type { Staff } from '../../bot/src/features/staff';
import type { RequestState } from '../../bot/src/http/context';
import type { Locale, MessageKey, MessageParams } from '../../bot/src/i18n';
import type { Logger } from '../../bot/src/logger';
import type { MediaStorage } from '../../bot/src/storage/media-storage';
import type { QueueDefinition } from './queues';

/** What the admin web needs from the application. */
export interface AdminDeps {
  readonly dataSource: () => DataSource;
  readonly logger: Logger;
  /** PUBLIC_BASE_URL: decides whether cookies are `Secure`. */
  readonly publicBaseUrl: string | undefined;
  /**
   * Where links sent to members point (articles): PUBLIC_BASE_URL, or this service in development mode;
   * undefined when neither (sending is refused then). Never the request's Host header.
   */
  readonly linkBaseUrl?: () => string | undefined;
  readonly timeZone: string;
  /** SESSION_SECRET, which signs public handbook links when set (see features/knowledge). */
  readonly sessionSecret?: string | undefined;
  /** Where report photos are kept (served to those who may see the report). */
  readonly storage: MediaStorage;
  /** Work queues shown on the home page (features add theirs). */
  readonly queues: readonly QueueDefinition[];
  /** How often live queue counts are recomputed for connected browsers. */
  readonly liveIntervalMs?: number;
}

export interface AdminState extends RequestState {
  locale: Locale;
  user: Staff | undefined;
  session: WebSession | undefined;
  /** The token forms must echo: the session's, or the pre-sign-in cookie's. */
  csrf: string;
  say: (key: MessageKey, params?: MessageParams) => string;
}

export type AdminContext = RouterContext<AdminState>;
export type AdminMiddleware = RouterMiddleware<AdminState>;
