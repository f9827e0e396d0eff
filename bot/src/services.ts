/**
 * Builds the long-lived parts of the application from configuration — the WeCom channel (or, with no
 * WECOM_* settings, development mode with its fake API), the dispatcher and the job list — for the
 * service (main.ts) and the CLI alike.
 */
import type Router from '@koa/router';
import type { DataSource } from 'typeorm';
import { DEV_API_PREFIX, loadOrCreateDevCredentials } from './channels/wecom/dev-credentials';
import { FakeWecomState, fakeWecomApiRoutes } from './channels/wecom/fake-api';
import { createWecomChannel, type WecomChannel } from './channels/wecom';
import type { Config, WecomConfig } from './config';
import path from 'node:path';
import { createDispatcher, type Dispatcher } from './conversation/dispatcher';
import { bindingFlow } from './features/staff';
import { createReportFlow, reportOpenItems, reportRemindersJob } from './features/report';
import {
  applyOrderSystemAnswer,
  completionOpenItems,
  completionRealertsJob,
  createCompletionFlow,
} from './features/completion';
import { inTransaction } from './db/transaction';
import { createRatingFlow, ratingRemindersJob, ratingSheetMailJob, ratingTasksJob } from './features/rating';
import { createQuizFlow, pointsFlow, quizExpiryJob, quizLeaderboardJob } from './features/quiz';
import { createKnowledgeFlow, kbEntryLink, plainExcerpt, searchKnowledge } from './features/knowledge';
import {
  bestCaseWarningJob,
  bestCaseWeeklyJob,
  broadcastScheduledJob,
  createBroadcastFlows,
  type BroadcastLinkOptions,
} from './features/broadcast';
import {
  createTicketFlow,
  createTicketInputHandler,
  ticketArchiveJob,
  ticketOpenItems,
  ticketSlaJob,
  type Handbook,
} from './features/ticket';
import { coreJobs, type Job } from './jobs';
import type { Logger } from './logger';
import { createNotifications, type Notifications } from './notifications';
import { createAdminRouter } from '../../admin-web/src/router';
import { createKbPublicRouter } from '../../admin-web/src/kb-public';
import { createArticlePublicRouter } from '../../admin-web/src/article-public';
import { defaultQueues } from '../../admin-web/src/queue-registry';
import { LocalDiskStorage } from './storage/local-disk';
import type { MediaStorage } from './storage/media-storage';

export interface ServicesOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly dataSource: () => DataSource;
  readonly owner: string;
  /** This service's own base URL (development mode points the WeCom client at the fake mounted here). */
  readonly selfBaseUrl: () => string;
  /**
   * Tests only: WECOM_API_BASE is a fake WeCom (bot/test/wecom.ts), which also serves the OAuth page, and
   * member links may fall back to this service's own address — as in development mode.
   */
  readonly wecomApiIsFake?: boolean;
  readonly dispatcher?: Dispatcher;
  readonly replyBudgetMs?: number;
}

export interface Services {
  readonly wecomConfig: WecomConfig;
  readonly wecom: WecomChannel;
  readonly storage: MediaStorage;
  readonly notifications: Notifications;
  /** Present in development mode: the fake WeCom API's state (what was pushed, uploaded, …). */
  readonly devWecom: FakeWecomState | undefined;
  readonly jobs: readonly Job[];
  /** Extra HTTP routes: the webhook, and the fake WeCom API in development mode. */
  readonly routers: readonly Router[];
}

export async function createServices(options: ServicesOptions): Promise<Services> {
  const { config, logger } = options;
  let wecomConfig = config.wecom;
  let devWecom: FakeWecomState | undefined;
  let apiBase = () => config.wecomApiBase;
  const routers: Router[] = [];

  if (!wecomConfig) {
    const { credentials, created } = await loadOrCreateDevCredentials(config.dataDir);
    wecomConfig = credentials;
    devWecom = new FakeWecomState(credentials);
    apiBase = () => `${options.selfBaseUrl()}${DEV_API_PREFIX}`;
    routers.push(fakeWecomApiRoutes(devWecom, DEV_API_PREFIX));
    logger.warn(
      {
        corpId: credentials.corpId,
        agentId: credentials.agentId,
        token: credentials.token,
        created,
        file: 'wecom-dev.json',
      },
      'WeCom development mode: no WECOM_* settings, using generated credentials and the built-in fake WeCom API; ' +
        'talk to the bot with `npm run fieldline -- sim --user <userid>`',
    );
  }

  // Development mode (the fake mounted above) or a test's fake: nothing a real member opens.
  const isFakeWecom = devWecom !== undefined || options.wecomApiIsFake === true;
  const links = broadcastLinks(config, isFakeWecom ? options.selfBaseUrl : undefined);
  const storage = new LocalDiskStorage(path.join(config.dataDir, 'media'));
  const wecom = createWecomChannel({
    storage,
    config: wecomConfig,
    apiBase,
    dataSource: options.dataSource,
    dispatcher: options.dispatcher ?? defaultDispatcher(config),
    logger,
    owner: options.owner,
    ...(options.replyBudgetMs === undefined ? {} : { replyBudgetMs: options.replyBudgetMs }),
  });
  const notifications = createNotifications({
    config,
    dataSource: options.dataSource,
    wecomThrottle: wecom.throttle,
    uploadStoredImage: async (key) =>
      wecom.api.uploadImage(await storage.read(key), key, key.endsWith('.png') ? 'image/png' : 'image/jpeg'),
    sendWecomBatch: (users, message, sendOptions) => wecom.api.sendToMany(users, message, sendOptions),
    ...(config.orderSystem
      ? {
          orderSystem: {
            ...config.orderSystem,
            // The answer is applied in its own transaction; the document names the request it decides.
            onAnswer: async (document, answer) => {
              const { requestId } = document as { requestId: number };
              await inTransaction(options.dataSource(), (manager) =>
                applyOrderSystemAnswer({ manager, requestId, answer, now: new Date() }),
              );
            },
          },
        }
      : {}),
    logger,
  });
  routers.unshift(wecom.webhook.routes(), ...notifications.routers);
  routers.push(
    createAdminRouter({
      dataSource: options.dataSource,
      logger,
      publicBaseUrl: config.publicBaseUrl,
      linkBaseUrl: () => links.baseUrl,
      timeZone: config.timeZone,
      sessionSecret: config.sessionSecret,
      storage,
      queues: defaultQueues,
    }),
    createKbPublicRouter({
      dataSource: options.dataSource,
      storage,
      timeZone: config.timeZone,
      sessionSecret: config.sessionSecret,
    }),
    createArticlePublicRouter({
      dataSource: options.dataSource,
      storage,
      timeZone: config.timeZone,
      sessionSecret: config.sessionSecret,
      linkBaseUrl: () => links.baseUrl,
      identity: {
        authorizeUrl: (redirectUri, state) =>
          wecom.api.oauthAuthorizeUrl(redirectUri, state, isFakeWecom ? { authorizeBase: apiBase() } : {}),
        userIdForCode: (code) => wecom.api.userIdForOAuthCode(code),
      },
    }),
  );
  return {
    wecomConfig,
    wecom,
    storage,
    notifications,
    devWecom,
    jobs: [
      ...coreJobs,
      ...wecom.jobs,
      ...notifications.jobs,
      reportRemindersJob,
      ticketSlaJob({ timeZone: config.timeZone }),
      ticketArchiveJob,
      completionRealertsJob,
      ratingTasksJob({ timeZone: config.timeZone }),
      ratingRemindersJob({ timeZone: config.timeZone }),
      ratingSheetMailJob({ timeZone: config.timeZone, publicBaseUrl: config.publicBaseUrl }),
      quizExpiryJob,
      quizLeaderboardJob({ timeZone: config.timeZone }),
      broadcastScheduledJob(links),
      bestCaseWeeklyJob({ timeZone: config.timeZone, links }),
      bestCaseWarningJob({ timeZone: config.timeZone }),
    ],
    routers,
  };
}

/** Every conversation the bot offers, and every feature's contribution to `我的`. */
export function defaultDispatcher(config: Config): Dispatcher {
  const { timeZone } = config;
  return createDispatcher({
    flows: [
      bindingFlow,
      createReportFlow('hazard', { timeZone }),
      createReportFlow('lead', { timeZone }),
      // Links in 查询 answers: PUBLIC_BASE_URL, else this process's own port (development, tests).
      createKnowledgeFlow({ baseUrl: linkBaseUrl(config), sessionSecret: config.sessionSecret }),
      createCompletionFlow({ timeZone, handOffToOrderSystem: config.orderSystem !== undefined }),
      createTicketFlow('question', { timeZone, handbook: handbookFor(config) }),
      createTicketFlow('support', { timeZone, handbook: handbookFor(config) }),
      createRatingFlow({ timeZone }),
      createQuizFlow({ timeZone }),
      pointsFlow,
      // Article links: PUBLIC_BASE_URL (this process's own port only in development mode).
      ...createBroadcastFlows(
        broadcastLinks(config, config.wecom ? undefined : () => `http://127.0.0.1:${config.port}`),
      ),
    ],
    openItems: [reportOpenItems, ticketOpenItems, completionOpenItems],
    inputHandlers: [createTicketInputHandler({ timeZone })],
  });
}

/** Where links the bot sends should point: PUBLIC_BASE_URL, else this process on its own port. */
function linkBaseUrl(config: Config): string {
  return config.publicBaseUrl ?? `http://127.0.0.1:${config.port}`;
}

/**
 * How article links are made: PUBLIC_BASE_URL, signed with the public-link key. Without it only development
 * mode with the fake WeCom (`fallback`) links to this service; otherwise the base is undefined and
 * broadcasts are refused (UNAVAILABLE) rather than sent with links to 127.0.0.1.
 */
function broadcastLinks(config: Config, fallback: (() => string) | undefined): BroadcastLinkOptions {
  return {
    get baseUrl() {
      return config.publicBaseUrl ?? fallback?.();
    },
    sessionSecret: config.sessionSecret,
  };
}

/** The handbook as the ticket flow sees it: ranked entries with a plain-text summary, and signed links. */
function handbookFor(config: Config): Handbook {
  return {
    async search(manager, query, limit) {
      return (await searchKnowledge(manager, query, { limit })).map(({ entry }) => ({
        id: entry.id,
        title: entry.title,
        summary: plainExcerpt(entry.body),
      }));
    },
    link: (manager, entryId, now) =>
      kbEntryLink({
        manager,
        entryId,
        now,
        baseUrl: linkBaseUrl(config),
        sessionSecret: config.sessionSecret,
      }),
  };
}
