// Smoke test of the real start command, as an operator runs it: `npm start` on SQLite with no
// configuration and on MariaDB/MySQL (TEST_DATABASE_URL's server, database created if missing) must
// answer /healthz and /readyz with 200, and stop cleanly on SIGTERM; a bad configuration must exit
// non-zero naming every bad key. Used by .ci/run after the test suites.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';

const root = path.resolve(import.meta.dirname, '..');
const serverUrl = new URL(process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306');
serverUrl.pathname = '';
const mysqlServer = serverUrl.toString().replace(/\/$/, '');

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(command, args, env) {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

async function waitForReady(port, seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const [health, ready] = await Promise.all(
      ['/healthz', '/readyz'].map((p) =>
        fetch(`http://127.0.0.1:${port}${p}`).then(
          (r) => r.status,
          () => 0,
        ),
      ),
    );
    if (health === 200 && ready === 200) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`/healthz and /readyz did not both answer 200 within ${seconds}s`);
}

async function smokeStart(label, env, check) {
  const port = await freePort();
  const started = Date.now();
  const service = run('npm', ['start'], { PORT: String(port), LOG_LEVEL: 'info', ...env });
  try {
    const readyAt = await waitForReady(port, 60);
    await check?.();
    process.kill(-service.child.pid, 'SIGTERM');
    const { code, signal } = await service.exited;
    if (code !== 0 && signal !== 'SIGTERM') throw new Error(`exit code ${code} after SIGTERM`);
    console.log(`smoke ${label}: ready in ${((readyAt - started) / 1000).toFixed(1)}s, stopped cleanly`);
  } catch (error) {
    process.kill(-service.child.pid, 'SIGKILL');
    console.error(service.output());
    throw new Error(`smoke ${label}: ${error.message}`, { cause: error });
  }
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'fieldline-smoke-'));
try {
  await smokeStart('sqlite', { DATA_DIR: dataDir, DATABASE_URL: '' }, async () => {
    if (!existsSync(path.join(dataDir, 'fieldline.sqlite'))) throw new Error('no SQLite file in DATA_DIR');
  });

  const database = 'fieldline_ci_smoke';
  const admin = await mysql.createConnection({ uri: mysqlServer });
  await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
  try {
    await smokeStart('mariadb', { DATA_DIR: dataDir, DATABASE_URL: `${mysqlServer}/${database}` });
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
  }

  const bad = run('node', ['dist/bot/src/main.js'], {
    PORT: 'abc',
    WECOM_ENCODING_AES_KEY: 'short',
    DATA_DIR: dataDir,
  });
  const { code } = await bad.exited;
  const missing = ['PORT', 'WECOM_ENCODING_AES_KEY'].filter((key) => !bad.output().includes(`  ${key}: `));
  if (code === 0 || missing.length > 0) {
    throw new Error(`bad configuration: exit ${code}, not named: ${missing.join(', ')}\n${bad.output()}`);
  }
  console.log(`smoke bad-config: exit ${code}, every bad key named`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
