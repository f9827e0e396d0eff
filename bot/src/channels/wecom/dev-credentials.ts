/**
 * Development mode: with no WECOM_* settings the service makes up a corp of its own — CorpID, AgentId,
 * secret, token and EncodingAESKey — keeps it in DATA_DIR so it survives restarts, and talks to the
 * built-in fake WeCom API. The simulator reads the same file to sign and encrypt like WeCom.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WecomConfig } from '../../config';

export const DEV_CREDENTIALS_FILE = 'wecom-dev.json';
/** Where development mode mounts the fake WeCom API on the service itself. */
export const DEV_API_PREFIX = '/__dev/wecom-api';

function generate(): WecomConfig {
  return {
    corpId: `ww${randomBytes(8).toString('hex')}`,
    agentId: 1000002,
    secret: randomBytes(24).toString('base64url'),
    token: randomBytes(12).toString('hex'),
    encodingAesKey: randomBytes(32).toString('base64').slice(0, 43),
  };
}

export function readDevCredentials(dataDir: string): WecomConfig | undefined {
  const file = path.join(dataDir, DEV_CREDENTIALS_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as WecomConfig;
}

/** Returns the development corp, creating it on first use. `created` tells the caller to log it. */
export async function loadOrCreateDevCredentials(
  dataDir: string,
): Promise<{ credentials: WecomConfig; created: boolean }> {
  const existing = readDevCredentials(dataDir);
  if (existing) return { credentials: existing, created: false };
  const credentials = generate();
  await mkdir(dataDir, { recursive: true });
  await writeFile(path.join(dataDir, DEV_CREDENTIALS_FILE), `${JSON.stringify(credentials, null, 2)}\n`, {
    mode: 0o600,
  });
  return { credentials, created: true };
}
