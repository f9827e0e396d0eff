/**
 * The server side of `npm run bench`, run as a child process so the load generator does not share its
 * event loop: either a bare Koa handler (the reference) or the real Fieldline webhook on a fresh SQLite or
 * MariaDB/MySQL database. Tells the parent its port over IPC once ready.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import mysql from 'mysql2/promise';
import { loadConfig } from '../../bot/src/config';
import { startFieldline } from '../../bot/src/main';
import { BENCH_CORP, type BenchMode } from './corp';

async function bare(): Promise<{ port: number; stop: () => Promise<void> }> {
  const app = new Koa();
  app.use(async (ctx) => {
    for await (const chunk of ctx.req) void chunk;
    ctx.body = '';
  });
  const handle = app.callback();
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function fieldline(
  mode: 'sqlite' | 'mysql',
  mysqlServer: string,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fieldline-bench-'));
  const database = `fl_bench_${process.pid}`;
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    SERVICES: 'web',
    LOG_LEVEL: 'info',
    WECOM_CORP_ID: BENCH_CORP.corpId,
    WECOM_AGENT_ID: String(BENCH_CORP.agentId),
    WECOM_SECRET: BENCH_CORP.secret,
    WECOM_TOKEN: BENCH_CORP.token,
    WECOM_ENCODING_AES_KEY: BENCH_CORP.encodingAesKey,
    WECOM_API_BASE: 'http://127.0.0.1:9',
  };
  if (mode === 'mysql') env.DATABASE_URL = `${mysqlServer}/${database}`;
  const running = await startFieldline(loadConfig(env), { port: 0, host: '127.0.0.1', logger: undefined });
  await running.ready;
  return {
    port: running.address?.port ?? 0,
    async stop() {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (mode === 'mysql') {
        const admin = await mysql.createConnection({ uri: mysqlServer });
        await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
        await admin.end();
      }
    },
  };
}

async function main(): Promise<void> {
  const mode = process.argv[2] as BenchMode;
  const mysqlServer = process.argv[3] ?? 'mysql://root@127.0.0.1:3306';
  const server = mode === 'bare' ? await bare() : await fieldline(mode, mysqlServer);
  process.send?.({ ready: true, port: server.port });
  let cpuAtStart = process.cpuUsage();
  process.on('message', (message: { stop?: boolean; startClock?: boolean; readClock?: boolean }) => {
    if (message.startClock) cpuAtStart = process.cpuUsage();
    if (message.readClock) {
      const used = process.cpuUsage(cpuAtStart);
      process.send?.({ cpuMicros: used.user + used.system });
    }
    if (message.stop) void server.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
