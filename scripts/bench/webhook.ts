/**
 * `npm run bench`: loads the real WeCom webhook with distinct, correctly signed and encrypted text
 * messages over 50 connections — on SQLite, on MariaDB/MySQL, and against a bare Koa handler as the
 * reference — and prints messages/s, p50, p99 and the ratio to bare Koa. Each message goes the whole ack
 * path: size cap, signature, timestamp, decryption, parse, durable inbox insert, dispatch (its own
 * transaction) and an encrypted passive reply.
 * Options: --duration <s> (10), --connections <n> (50), --only bare,sqlite,mysql, --mysql <server URL>.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { WecomClient } from '../sim/wecom-client';
import { BENCH_CORP, type BenchMode } from './corp';

interface Figures {
  readonly mode: BenchMode;
  readonly messagesPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly total: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Server process CPU time per message (user + system), in microseconds. */
  readonly cpuPerMessage: number;
}

async function startServer(
  mode: BenchMode,
  mysqlServer: string,
): Promise<{ child: ChildProcess; port: number }> {
  const script = path.join(__dirname, 'bench-server.js');
  const child = fork(script, [mode, mysqlServer], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`bench server (${mode}) exited with ${code}`)));
  });
  return { child, port };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ stop: true });
  await exited;
}

/** Pre-builds signed deliveries so the generator spends its time sending, not encrypting. */
function deliveries(port: number, count: number): Array<{ path: string; body: string }> {
  const client = new WecomClient({
    baseUrl: `http://127.0.0.1:${port}`,
    corp: BENCH_CORP,
    userId: 'bench-user',
  });
  return Array.from({ length: count }, (_, i) => {
    const signed = client.sign(client.textXml(`光猫注册失败，LOID 认证不通过 #${i}`));
    const url = new URL(signed.url);
    return { path: `${url.pathname}${url.search}`, body: signed.body };
  });
}

async function load(
  port: number,
  requests: Array<{ path: string; body: string }>,
  seconds: number,
  connections: number,
) {
  let next = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        setupRequest: (request) => {
          const delivery = requests[next % requests.length];
          next += 1;
          return { ...request, path: delivery?.path ?? '/', body: delivery?.body ?? '' };
        },
      },
    ],
  });
}

async function measure(
  mode: BenchMode,
  options: { seconds: number; connections: number; mysql: string },
): Promise<Figures> {
  const { child, port } = await startServer(mode, options.mysql);
  try {
    await load(port, deliveries(port, 5_000), 2, options.connections); // warm-up: JIT, pools, caches
    const requests = deliveries(port, Math.max(50_000, options.seconds * 15_000));
    child.send({ startClock: true });
    const result = await load(port, requests, options.seconds, options.connections);
    const cpuMicros = await new Promise<number>((resolve) => {
      child.once('message', (message: { cpuMicros: number }) => resolve(message.cpuMicros));
      child.send({ readClock: true });
    });
    return {
      mode,
      messagesPerSecond: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      total: result.requests.total,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
      cpuPerMessage: cpuMicros / Math.max(1, result.requests.total),
    };
  } finally {
    await stopServer(child);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      only: { type: 'string', default: 'bare,sqlite,mysql' },
      mysql: { type: 'string', default: 'mysql://root@127.0.0.1:3306' },
    },
  });
  const modes = values.only.split(',').map((mode) => mode.trim()) as BenchMode[];
  const options = {
    seconds: Number(values.duration),
    connections: Number(values.connections),
    mysql: values.mysql,
  };
  console.log(
    `WeCom webhook benchmark: ${options.connections} connections, ${options.seconds}s per run, node ${process.version}`,
  );
  const results: Figures[] = [];
  for (const mode of modes) {
    const figures = await measure(mode, options);
    results.push(figures);
    console.log(
      `  ${mode.padEnd(7)} ${figures.messagesPerSecond.toFixed(0).padStart(7)} msgs/s   p50 ${figures.p50} ms   p99 ${figures.p99} ms   ` +
        `server CPU ${figures.cpuPerMessage.toFixed(0)} µs/msg   ` +
        `(${figures.total} requests, ${figures.non2xx} non-2xx, ${figures.errors} errors)`,
    );
  }
  const bare = results.find((figures) => figures.mode === 'bare');
  console.log(
    '\n| run | msgs/s | p50 (ms) | p99 (ms) | server CPU µs/msg | vs bare Koa |\n|---|---|---|---|---|---|',
  );
  for (const figures of results) {
    const ratio = bare ? `${((figures.messagesPerSecond / bare.messagesPerSecond) * 100).toFixed(0)}%` : '–';
    console.log(
      `| ${figures.mode} | ${figures.messagesPerSecond.toFixed(0)} | ${figures.p50} | ${figures.p99} | ${figures.cpuPerMessage.toFixed(0)} | ${ratio} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
