/**
 * Set-up shared by the broadcast delivery tests (under bot/test, so it never ships in the build): the
 * notice they send to engineers, sending it in one transaction as the desk does, and a WeCom push channel
 * that talks to a fake WeCom API over HTTP with batch sends enabled.
 */
import type { DataSource } from 'typeorm';
import { WecomApiClient } from '../src/channels/wecom/api-client';
import { MemberThrottle } from '../src/channels/wecom/throttle';
import { TokenStore } from '../src/channels/wecom/token-store';
import { inTransaction } from '../src/db/transaction';
import {
  EMPTY_AUDIENCE,
  saveArticleDraft,
  sendArticleNow,
  type ArticleInput,
} from '../src/features/broadcast';
import type { Logger } from '../src/logger';
import { WecomPushChannel } from '../src/notifications/channels/wecom';
import { TEST_CORP } from './wecom';

/** Article links as production builds them, without a session secret. */
export const TEST_LINKS = { baseUrl: 'https://fieldline.example.com', sessionSecret: undefined };

/** A normal notice to every engineer; `parts` overrides any field. */
export function engineerNotice(parts: Partial<ArticleInput> = {}): ArticleInput {
  return {
    kind: 'notice',
    title: '装维规范更新通知',
    summary: '上门前须提前 30 分钟电话预约',
    body: '请各位装维人员遵守新的预约规范。',
    coverKey: null,
    tags: [],
    audience: { ...EMPTY_AUDIENCE, roles: ['engineer'] },
    isUrgent: false,
    smsGroups: [],
    featuredWeek: null,
    ...parts,
  };
}

/** Saves `input` as a draft by `authorId` and starts sending it at `now`, in one transaction. */
export function sendNow(options: {
  dataSource: DataSource;
  input: ArticleInput;
  authorId: number;
  now: Date;
}): ReturnType<typeof sendArticleNow> {
  const { dataSource, input, authorId, now } = options;
  return inTransaction(dataSource, async (manager) => {
    const draft = await saveArticleDraft({ manager, input, authorId, now });
    return sendArticleNow({ manager, id: draft.id, version: 1, now, links: TEST_LINKS });
  });
}

/**
 * The WeCom push channel as the app wires it (per-member throttle, batch sends), on the fake WeCom API
 * at `apiBase()`; the access token is kept in the database under `tokenKey`, timed by `clock` if given.
 */
export function fakeWecomPushChannel(options: {
  apiBase: () => string;
  dataSource: () => DataSource;
  logger: Logger;
  tokenKey: string;
  clock?: () => number;
}): WecomPushChannel {
  const api = new WecomApiClient({
    apiBase: options.apiBase,
    corpId: TEST_CORP.corpId,
    agentId: TEST_CORP.agentId,
    secret: TEST_CORP.secret,
    logger: options.logger,
    tokenStore: (fetchToken) =>
      new TokenStore({
        dataSource: options.dataSource,
        key: options.tokenKey,
        owner: 'test',
        fetchToken,
        ...(options.clock ? { clock: options.clock } : {}),
      }),
  });
  return new WecomPushChannel(
    new MemberThrottle((to, message) => api.sendMessage(to, message)),
    undefined,
    (users, message, options) => api.sendToMany(users, message, options),
  );
}
