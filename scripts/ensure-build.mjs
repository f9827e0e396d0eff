// Builds dist/ with tsc when any source is newer than the last build, so `npm start` and
// `npm run fieldline` always run current code. With a production-only install (no TypeScript) an
// existing dist/ is used as is. `--force` always rebuilds (npm run build).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const quiet = process.argv.includes('--quiet');
const force = process.argv.includes('--force');
const SOURCES = [
  'bot/src',
  'admin-web/src',
  'migrations',
  'scripts',
  'ormconfig.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package-lock.json',
];

function newestMtime(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return 0;
  const stats = statSync(full);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = 0;
  for (const child of readdirSync(full)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const newestSource = Math.max(...SOURCES.map(newestMtime));
if (!force && built >= newestSource) process.exit(0);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  if (built > 0) process.exit(0);
  console.error(
    'dist/ is missing and TypeScript is not installed: run `npm ci` (with dev dependencies) first.',
  );
  process.exit(1);
}
if (!quiet) console.error('Building (tsc)…');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
// The admin web's static files (css, js) are served from next to the compiled router.
cpSync(path.join(root, 'admin-web/src/static'), path.join(root, 'dist/admin-web/src/static'), {
  recursive: true,
});
writeFileSync(stamp, new Date().toISOString());
