/**
 * WeCom test support: a test corp, the fake WeCom API on a real 127.0.0.1 port, and a running Fieldline
 * wired to both, with a member-side client that signs and encrypts like WeCom.
 */
import Koa from 'koa';
import type { WecomConfig } from '../src/config';
import { FakeWecomState, fakeWecomApiRoutes } from '../src/channels/wecom/fake-api';
import type { Dispatcher } from '../src/conversation/dispatcher';
import type { Job } from '../src/jobs';
import type { Logger } from '../src/logger';
import { startFieldline, type RunningFieldline } from '../src/main';
import { WecomClient } from '../../scripts/sim/wecom-client';
import { startTestServer, testConfig, type TestDatabase } from './support';

export const TEST_CORP: WecomConfig = Object.freeze({
  corpId: 'wwtest0123456789ab',
  agentId: 1000002,
  secret: 'test-corp-secret',
  token: 'QDG6eKtestToken',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
});

export interface FakeWecom {
  readonly state: FakeWecomState;
  readonly url: string;
  close(): Promise<void>;
}

/** The fake WeCom API on its own 127.0.0.1 port. */
export async function startFakeWecom(corp: WecomConfig = TEST_CORP): Promise<FakeWecom> {
  const state = new FakeWecomState({ corpId: corp.corpId, secret: corp.secret, agentId: corp.agentId });
  const app = new Koa();
  app.silent = true; // clients that hang up mid-download are part of the tests
  const router = fakeWecomApiRoutes(state);
  app.use(router.routes());
  const server = await startTestServer(app.callback());
  return { state, url: server.url, close: () => server.close() };
}

export function wecomEnv(corp: WecomConfig, apiBase: string): Record<string, string> {
  return {
    WECOM_CORP_ID: corp.corpId,
    WECOM_AGENT_ID: String(corp.agentId),
    WECOM_SECRET: corp.secret,
    WECOM_TOKEN: corp.token,
    WECOM_ENCODING_AES_KEY: corp.encodingAesKey,
    WECOM_API_BASE: apiBase,
  };
}

export function databaseEnv(database: TestDatabase): Record<string, string> {
  return database.config.kind === 'mysql'
    ? { DATA_DIR: database.dir, DATABASE_URL: database.config.url }
    : { DATA_DIR: database.dir };
}

export interface RunningBot {
  readonly running: RunningFieldline;
  readonly baseUrl: string;
  /** A member-side WeCom client for `userId`. */
  client(userId: string, options?: { retryAfterMs?: number }): WecomClient;
  stop(): Promise<void>;
}

/** Starts Fieldline (web only, no scheduler) on `database`, talking to the fake WeCom API at `apiBase`. */
export async function startBot(options: {
  database: TestDatabase;
  apiBase: string;
  corp?: WecomConfig;
  dispatcher?: Dispatcher;
  replyBudgetMs?: number;
  jobs?: readonly Job[];
  env?: Record<string, string>;
  logger?: Logger;
  /** false: behave like production with a real corp (no link fallback to this service). Default true. */
  wecomApiIsFake?: boolean;
}): Promise<RunningBot> {
  const corp = options.corp ?? TEST_CORP;
  const config = testConfig({
    SERVICES: 'web',
    ...databaseEnv(options.database),
    ...wecomEnv(corp, options.apiBase),
    ...options.env,
  });
  const running = await startFieldline(config, {
    port: 0,
    host: '127.0.0.1',
    // The fake serves the OAuth page, and member links may point at this service (as in development).
    wecomApiIsFake: options.wecomApiIsFake ?? true,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.replyBudgetMs === undefined ? {} : { replyBudgetMs: options.replyBudgetMs }),
    ...(options.jobs ? { jobs: options.jobs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await running.ready;
  const baseUrl = `http://127.0.0.1:${running.address?.port ?? 0}`;
  return {
    running,
    baseUrl,
    client: (userId, clientOptions = {}) => new WecomClient({ baseUrl, corp, userId, ...clientOptions }),
    stop: () => running.stop(),
  };
}

/**
 * Sends `text` from `client` through the real webhook, requires a 200 answer, and returns the text of the
 * passive reply ('' when the answer carried none).
 */
export async function sendText(client: WecomClient, text: string): Promise<string> {
  const result = await client.deliver(client.textXml(text));
  if (result.status !== 200) throw new Error(`The webhook answered ${result.status} to "${text}".`);
  return result.reply?.content ?? '';
}
