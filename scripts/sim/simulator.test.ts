import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DEV_API_PREFIX,
  DEV_CREDENTIALS_FILE,
  readDevCredentials,
} from '../../bot/src/channels/wecom/dev-credentials';
import { toWecomMenu } from '../../bot/src/conversation/menu';
import { DEFAULT_LOCALE, t } from '../../bot/src/i18n';
import { startFieldline, type RunningFieldline } from '../../bot/src/main';
import { createTestDatabase, eventually, testConfig, type TestDatabase } from '../../bot/test/support';
import { databaseEnv } from '../../bot/test/wecom';
import { runCli } from '../cli';
import { runSimulator } from './simulator';
import { WecomClient } from './wecom-client';

describe('development mode and the simulator', () => {
  let database: TestDatabase;
  let running: RunningFieldline;
  let baseUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    running = await startFieldline(testConfig({ SERVICES: 'web', ...databaseEnv(database) }), {
      port: 0,
      host: '127.0.0.1',
    });
    await running.ready;
    baseUrl = `http://127.0.0.1:${running.address?.port ?? 0}`;
  });
  afterAll(async () => {
    await running.stop();
    await database.drop();
  });

  it('creates development credentials in DATA_DIR and serves the fake WeCom API', () => {
    expect(existsSync(path.join(database.dir, DEV_CREDENTIALS_FILE))).toBe(true);
    const credentials = readDevCredentials(database.dir);
    expect(credentials?.corpId).toMatch(/^ww[0-9a-f]{16}$/);
    expect(credentials?.encodingAesKey).toHaveLength(43);
    expect(running.services.devWecom).toBeDefined();
  });

  it('chats: text, menu clicks, photos, locations and scans get answers; pushes are shown too', async () => {
    const corp = readDevCredentials(database.dir);
    if (!corp) throw new Error('no credentials');
    const photo = path.join(database.dir, 'cabinet.jpg');
    const photoBytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF光交箱')]);
    await writeFile(photo, photoBytes);

    const input = new PassThrough();
    const output = new PassThrough();
    let transcript = '';
    output.on('data', (chunk: Buffer) => (transcript += chunk.toString('utf8')));
    const session = runSimulator({
      client: new WecomClient({ baseUrl, corp, userId: 'zhangsan' }),
      input,
      output,
      fakeApiBase: `${baseUrl}${DEV_API_PREFIX}`,
    });
    const help = t(DEFAULT_LOCALE, 'bind.prompt'); // an unbound member gets the binding prompt, whatever they send
    const count = (text: string) => transcript.split(text).length - 1;

    input.write('你好\n');
    await eventually(() => count(`bot> ${help}`) === 1);
    input.write('/click REPORT_HAZARD\n');
    await eventually(() => count(`bot> ${help}`) === 2);
    input.write(`/photo ${photo}\n`);
    await eventually(() => count(`bot> ${help}`) === 3);
    input.write('/location 33.61 119.02 淮安市清江浦区\n/scan ZTEGC0FFEE01\n/nonsense\n');
    await eventually(() => count(`bot> ${help}`) === 5 && transcript.includes('Unknown command'));

    await running.services.wecom.api.sendMessage('zhangsan', {
      msgtype: 'text',
      text: { content: '您的报竣申请已处理' },
    });
    await eventually(() => transcript.includes('bot (push)> 您的报竣申请已处理'));

    input.end('/quit\n');
    await session;
    // The photo went through media/get and is kept by content hash.
    const key = `${createHash('sha256').update(photoBytes).digest('hex')}.jpg`;
    expect(await running.services.storage.exists(key)).toBe(true);
  });

  it('pushes the menu to the running service with `fieldline wecom:menu`', async () => {
    const lines: string[] = [];
    const code = await runCli(['wecom:menu'], {
      out: (line) => lines.push(line),
      err: (line) => lines.push(line),
      env: { LOG_LEVEL: 'silent', PORT: String(running.address?.port), ...databaseEnv(database) },
    });
    expect(lines.join('\n')).toContain('Menu pushed to agent 1000002');
    expect(code).toBe(0);
    expect(running.services.devWecom?.menus.at(-1)).toEqual(toWecomMenu());
  });
});
