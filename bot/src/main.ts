/**
 * Composition root (DESIGN §3): config → logger → HTTP (when SERVICES has web) → database (retrying,
 * then migrations) → jobs (when SERVICES has jobs). Also owns graceful shutdown.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { DatabaseLifecycle } from './db/lifecycle';
import { serveHttp, type HttpServer } from './http/server';
import { instanceId } from './instance-id';
import type { Dispatcher } from './conversation/dispatcher';
import type { Job } from './jobs';
import { Scheduler } from './jobs/scheduler';
import { createLogger, type Logger } from './logger';
import { createServices, type Services } from './services';

export interface StartOptions {
  readonly logger?: Logger;
  /** Replaces the registered jobs (tests). */
  readonly jobs?: readonly Job[];
  /** Replaces the dispatcher (tests that count effects). */
  readonly dispatcher?: Dispatcher;
  readonly replyBudgetMs?: number;
  /** How long in-flight requests may take to finish at shutdown before connections are cut. */
  readonly shutdownGraceMs?: number;
  /** Listen address; the default binds every interface (what a container needs). */
  readonly host?: string;
  /** Overrides config.port; 0 picks a free port (tests). */
  readonly port?: number;
  /** Tests only: WECOM_API_BASE is a fake WeCom (see ServicesOptions.wecomApiIsFake). */
  readonly wecomApiIsFake?: boolean;
}

export interface RunningFieldline {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: DatabaseLifecycle;
  readonly services: Services;
  /** Resolves once the database is connected and migrated (rejects if stopped first). */
  readonly ready: Promise<void>;
  /** The bound HTTP address, when the web service runs. */
  readonly address: AddressInfo | undefined;
  readonly scheduler: () => Scheduler | undefined;
  stop(): Promise<void>;
}

/** Starts the services named in `config.services`; the HTTP port is open before the database is ready. */
export async function startFieldline(config: Config, options: StartOptions = {}): Promise<RunningFieldline> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const owner = instanceId();
  const database = new DatabaseLifecycle({ config: config.database, logger });
  let server: HttpServer | undefined;
  const services = await createServices({
    config,
    logger,
    dataSource: () => database.dataSource,
    owner,
    selfBaseUrl: () => `http://127.0.0.1:${server?.address.port ?? config.port}`,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.replyBudgetMs === undefined ? {} : { replyBudgetMs: options.replyBudgetMs }),
    ...(options.wecomApiIsFake ? { wecomApiIsFake: true } : {}),
  });

  if (config.services.has('web')) {
    const app = createApp({ logger, readiness: () => database.readiness(), routers: services.routers });
    server = await serveHttp(app.callback(), options.port ?? config.port, options.host);
    logger.info({ port: server.address.port, services: [...config.services] }, 'listening');
  }

  let scheduler: Scheduler | undefined;
  const ready = database.open().then((dataSource) => {
    // Every process with a database sends what it enqueues at once; drain-outbox covers the rest.
    services.notifications.relay.start();
    services.notifications.relay.kick();
    if (config.services.has('jobs')) {
      scheduler = new Scheduler({
        jobs: options.jobs ?? services.jobs,
        dataSource,
        logger,
        timeZone: config.timeZone,
        owner,
      });
      scheduler.start();
    }
    logger.info({ database: config.database.kind }, 'ready');
  });
  // A failure here is reported through `ready` and /readyz; keep it from becoming an unhandled rejection.
  ready.catch((error: unknown) => logger.error({ err: error }, 'start-up failed'));

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info('shutting down');
      await Promise.all([server?.close(options.shutdownGraceMs ?? 10_000), scheduler?.stop()]);
      await services.wecom.webhook.drain();
      await services.notifications.relay.stop();
      await database.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  return {
    config,
    logger,
    database,
    services,
    ready,
    address: server?.address,
    scheduler: () => scheduler,
    stop,
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`fieldline: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const running = await startFieldline(config);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      running.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    running.logger.info({ signal }, 'signal received');
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        running.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `fieldline: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  });
}
