/**
 * `npm run bench:outbox`: how long from the COMMIT that enqueues an SMS to the provider receiving the
 * request, with the real service (relay, channels, the real `twilio` SDK) sending to a stand-in Twilio on
 * 127.0.0.1. Two paths: enqueued by the service's own process (the relay is woken at commit), and
 * enqueued by another process (MariaDB/MySQL; the `drain-outbox` job, every 2 s, picks it up).
 * Options: --count <n> (200), --rate <per second> (20), --only sqlite,mysql.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { loadConfig, type DatabaseConfig } from '../../bot/src/config';
import { inTransaction } from '../../bot/src/db/transaction';
import { createStaff } from '../../bot/src/features/staff';
import { startFieldline } from '../../bot/src/main';
import { defineTemplate, enqueue } from '../../bot/src/notifications';
import { FakeTwilio } from '../../bot/test/fakes/twilio';
import { z } from 'zod';

defineTemplate({
  key: 'bench.alert',
  schema: z.object({ text: z.string() }),
  quietHours: 'send',
  render: ({ text }) => ({ subject: 'bench', text }),
});

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Enqueues in this process (the service's own relay is woken at commit); returns commit times. */
async function enqueueHere(
  enqueuer: DataSource,
  label: string,
  staffId: number,
  count: number,
  rate: number,
) {
  const committedAt = new Map<string, number>();
  for (let i = 0; i < count; i += 1) {
    const text = `${label} #${i}`;
    await inTransaction(enqueuer, (manager) =>
      enqueue(manager, {
        channel: 'sms',
        to: { staffId },
        template: 'bench.alert',
        data: { text },
        dedupeKey: `bench:${label}:${i}`,
      }),
    );
    committedAt.set(text, Date.now());
    await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
  }
  return committedAt;
}

/** Enqueues from a separate process with no relay; returns commit times. */
async function enqueueElsewhere(
  database: DatabaseConfig,
  label: string,
  staffId: number,
  count: number,
  rate: number,
) {
  const args = [JSON.stringify(database), String(staffId), String(count), String(rate), label];
  const child = spawn(
    process.execPath,
    [
      '-r',
      path.join(__dirname, '../../bot/test/ts-register.js'),
      path.join(__dirname, 'enqueue-child.ts'),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  await new Promise((resolve) => child.on('close', resolve));
  const committedAt = new Map<string, number>();
  for (const line of output.trim().split('\n')) {
    const { text, at } = JSON.parse(line) as { text: string; at: number };
    committedAt.set(text, at);
  }
  return committedAt;
}

async function measure(label: string, committedAt: Map<string, number>, twilio: FakeTwilio): Promise<void> {
  const count = committedAt.size;
  const deadline = Date.now() + 30_000;
  while (twilio.messages.filter((m) => committedAt.has(m.body)).length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const delays = twilio.messages
    .filter((m) => committedAt.has(m.body))
    .map((m) => m.receivedAt - (committedAt.get(m.body) ?? m.receivedAt))
    .sort((a, b) => a - b);
  console.log(
    `  ${label.padEnd(34)} ${String(delays.length).padStart(4)}/${count} delivered   p50 ${percentile(delays, 50)} ms   ` +
      `p95 ${percentile(delays, 95)} ms   max ${delays.at(-1)} ms`,
  );
}

async function run(
  kind: 'sqlite' | 'mysql',
  options: { count: number; rate: number; mysql: string },
): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fieldline-outbox-bench-'));
  const database = `fl_outbox_bench_${process.pid}`;
  const twilio = new FakeTwilio();
  await twilio.start();
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: '+8610000000000',
    TWILIO_API_BASE: twilio.url,
  };
  if (kind === 'mysql') env.DATABASE_URL = `${options.mysql}/${database}`;
  const config = loadConfig(env);
  const running = await startFieldline(config, { port: 0, host: '127.0.0.1' });
  try {
    await running.ready;
    const staff = await inTransaction(running.database.dataSource, (manager) =>
      createStaff({ manager, staffNo: 'B0001', name: 'bench', role: 'tier2', phone: '+8613800009999' }),
    );
    console.log(`${kind}:`);
    const here = `${kind}, enqueued by the service`;
    await measure(
      here,
      await enqueueHere(running.database.dataSource, here, staff.id, options.count, options.rate),
      twilio,
    );
    if (kind === 'mysql') {
      const elsewhere = `${kind}, enqueued by another process`;
      await measure(
        elsewhere,
        await enqueueElsewhere(config.database, elsewhere, staff.id, 50, options.rate),
        twilio,
      );
    }
  } finally {
    await running.stop();
    await twilio.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (kind === 'mysql') {
      const admin = await mysql.createConnection({ uri: options.mysql });
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '200' },
      rate: { type: 'string', default: '20' },
      only: { type: 'string', default: 'sqlite,mysql' },
      mysql: { type: 'string', default: 'mysql://root@127.0.0.1:3306' },
    },
  });
  console.log('Outbox: commit → provider receives the request');
  for (const kind of values.only.split(',') as Array<'sqlite' | 'mysql'>) {
    await run(kind, { count: Number(values.count), rate: Number(values.rate), mysql: values.mysql });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
