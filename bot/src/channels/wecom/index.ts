/**
 * The WeCom channel, assembled: crypto, inbox, webhook, API client with the shared token, the per-member
 * throttle, and (in development mode) the fake WeCom API. Business code never imports from here; it only
 * sees InboundMessage through the dispatcher (DESIGN §3).
 */
import type { DataSource } from 'typeorm';
import type { WecomConfig } from '../../config';
import type { Dispatcher } from '../../conversation/dispatcher';
import type { Logger } from '../../logger';
import type { MediaStorage } from '../../storage/media-storage';
import { WecomApiClient } from './api-client';
import { createWecomCrypto, type WecomCrypto } from './crypto';
import { Inbox } from './inbox';
import { wecomInboxJob } from './inbox.job';
import { MemberThrottle } from './throttle';
import { TokenStore } from './token-store';
import { WecomWebhook } from './webhook';

export { WecomAccessToken } from './access-token.entity';
export { InboundMessageRecord } from './inbound-message.entity';
export type { InboundMessage } from './message';

export interface WecomChannelOptions {
  readonly config: WecomConfig;
  readonly apiBase: () => string;
  readonly dataSource: () => DataSource;
  readonly dispatcher: Dispatcher;
  readonly storage: MediaStorage;
  readonly logger: Logger;
  /** Names this instance in the token refresh lease. */
  readonly owner: string;
  readonly replyBudgetMs?: number;
}

export interface WecomChannel {
  readonly crypto: WecomCrypto;
  readonly api: WecomApiClient;
  readonly throttle: MemberThrottle;
  readonly inbox: Inbox;
  readonly webhook: WecomWebhook;
  readonly jobs: ReturnType<typeof wecomInboxJob>[];
}

export function createWecomChannel(options: WecomChannelOptions): WecomChannel {
  const { config, logger } = options;
  const log = logger.child({ component: 'wecom' });
  const crypto = createWecomCrypto({ token: config.token, encodingAesKey: config.encodingAesKey });
  const api = new WecomApiClient({
    apiBase: options.apiBase,
    corpId: config.corpId,
    agentId: config.agentId,
    secret: config.secret,
    logger: log,
    tokenStore: (fetchToken) =>
      new TokenStore({
        dataSource: options.dataSource,
        key: `${config.corpId}:${config.agentId}`,
        owner: options.owner,
        fetchToken,
      }),
  });
  const throttle = new MemberThrottle((toUser, message) => api.sendMessage(toUser, message));
  const inbox = new Inbox({
    dataSource: options.dataSource,
    dispatcher: options.dispatcher,
    fetchMedia: async (mediaId) => {
      const photo = await api.downloadMedia(mediaId);
      return options.storage.put(photo.data, photo.extension, photo.mimeType);
    },
    logger: log,
  });
  const webhook = new WecomWebhook({
    crypto,
    corpId: config.corpId,
    inbox,
    ...(options.replyBudgetMs === undefined ? {} : { replyBudgetMs: options.replyBudgetMs }),
  });
  return { crypto, api, throttle, inbox, webhook, jobs: [wecomInboxJob(inbox)] };
}
