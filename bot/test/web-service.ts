/**
 * Starts Fieldline for a web test: only the web service, on a free port of 127.0.0.1, over a test
 * database, with no WeCom settings (development mode: the fake WeCom API is served by Fieldline itself).
 */
import { startFieldline, type RunningFieldline } from '../src/main';
import { freePort, testConfig, type TestDatabase } from './support';
import { databaseEnv } from './wecom';

/** A started web service and the address it listens on. */
export interface RunningWebService {
  readonly running: RunningFieldline;
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly base: string;
}

/**
 * Starts the web service on `database` and waits until it is ready; `env` adds settings and may use the
 * port (e.g. `PORT`, for links that point back at this service). The caller stops `running`.
 */
export async function startWebService(
  database: TestDatabase,
  env: (port: number) => Record<string, string> = () => ({}),
): Promise<RunningWebService> {
  const port = await freePort();
  const running = await startFieldline(
    testConfig({ SERVICES: 'web', ...databaseEnv(database), ...env(port) }),
    { port, host: '127.0.0.1' },
  );
  await running.ready;
  return { running, base: `http://127.0.0.1:${port}` };
}
