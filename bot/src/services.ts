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
import { createQuizFlow, pointsFlow, quizExpiryJob } from './features/quiz';
import { createKnowledgeFlow, kbEntryLink, searchKnowledge } from './features/knowledge';
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
    ],
    openItems: [reportOpenItems, ticketOpenItems, completionOpenItems],
    inputHandlers: [createTicketInputHandler({ timeZone })],
  });
}

/** Where links the bot sends should point: PUBLIC_BASE_URL, else this process on its own port. */
function linkBaseUrl(config: Config): string {
  return config.publicBaseUrl ?? `http://127.0.0.1:${config.port}`;
}

/** The handbook as the ticket flow sees it: ranked entries with a plain-text summary, and signed links. */
function handbookFor(config: Config): Handbook {
  return {
    async search(manager, query, limit) {
      return (await searchKnowledge(manager, query, { limit })).map(({ entry }) => ({
        id: entry.id,
        title: entry.title,
        summary: entry.body
          .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
          .replace(/[#>*_`|-]+/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, 120),
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
