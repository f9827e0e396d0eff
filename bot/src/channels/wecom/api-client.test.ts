import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { openDataSource, silentLogger, testDatabaseKind, useTestDatabase } from '../../../test/support';
import { startFakeWecom, TEST_CORP, type FakeWecom } from '../../../test/wecom';
import { LocalDiskStorage } from '../../storage/local-disk';
import { toWecomMenu } from '../../conversation/menu';
import { WecomAccessToken } from './access-token.entity';
import {
  MAX_MEDIA_BYTES,
  MediaRejectedError,
  WecomApiClient,
  WecomApiError,
  WecomConfigError,
} from './api-client';
import { TokenStore } from './token-store';

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('fake jpeg body')]);
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('png'),
]);

describe('WeCom API client', () => {
  const db = useTestDatabase();
  let fake: FakeWecom;
  let second: DataSource;

  beforeAll(async () => {
    fake = await startFakeWecom();
    second = await openDataSource(db().database.config, { migrate: false });
  });
  afterAll(async () => {
    await second.destroy();
    await fake.close();
  });
  beforeEach(async () => {
    fake.state.gettokenCalls = 0;
    fake.state.revokeAllTokens();
    await db().dataSource.manager.clear(WecomAccessToken);
  });

  function client(options: { dataSource?: DataSource; secret?: string; owner?: string } = {}) {
    const dataSource = options.dataSource ?? db().dataSource;
    return new WecomApiClient({
      apiBase: () => fake.url,
      corpId: TEST_CORP.corpId,
      agentId: TEST_CORP.agentId,
      secret: options.secret ?? TEST_CORP.secret,
      logger: silentLogger,
      busyRetryDelaysMs: [10, 20],
      tokenStore: (fetchToken) =>
        new TokenStore({
          dataSource: () => dataSource,
          key: `${TEST_CORP.corpId}:${TEST_CORP.agentId}`,
          owner: options.owner ?? 'test',
          fetchToken,
        }),
    });
  }
  const text = (content: string) => ({ msgtype: 'text' as const, text: { content } });

  it('sends text, markdown, textcard and news messages', async () => {
    const api = client();
    await api.sendMessage('lisi', text('工单已报竣'));
    await api.sendMessage('lisi', { msgtype: 'markdown', markdown: { content: '**光功率** -21 dBm' } });
    await api.sendMessage('lisi', {
      msgtype: 'textcard',
      textcard: { title: '通知', description: '汛期安全', url: 'https://example.com/a', btntxt: '详情' },
    });
    await api.sendMessage('lisi', {
      msgtype: 'news',
      news: { articles: [{ title: '优秀案例', url: 'https://example.com/c' }] },
    });
    expect(fake.state.messagesFor('lisi').map((message) => message.msgtype)).toEqual([
      'text',
      'markdown',
      'textcard',
      'news',
    ]);
  });

  it('sends readers to open.weixin.qq.com for OAuth whatever WECOM_API_BASE is, unless told the fake serves it', () => {
    // The client here talks to the fake on 127.0.0.1 (as a production egress proxy would be another host).
    const api = client();
    const real = new URL(api.oauthAuthorizeUrl('https://fieldline.example.com/articles/1?e=1&s=x', 'read'));
    expect(`${real.origin}${real.pathname}`).toBe('https://open.weixin.qq.com/connect/oauth2/authorize');
    const viaFake = new URL(
      api.oauthAuthorizeUrl('https://fieldline.example.com/articles/1', 'read', { authorizeBase: fake.url }),
    );
    expect(`${viaFake.origin}${viaFake.pathname}`).toBe(`${fake.url}/connect/oauth2/authorize`);
  });

  it('fetches one token for a burst of concurrent calls and keeps it in the database', async () => {
    const api = client();
    await Promise.all(Array.from({ length: 20 }, (_, i) => api.sendMessage('lisi', text(`burst ${i}`))));
    expect(fake.state.gettokenCalls).toBe(1);
    const row = await db().dataSource.manager.findOneByOrFail(WecomAccessToken, {
      key: `${TEST_CORP.corpId}:${TEST_CORP.agentId}`,
    });
    expect(row.accessToken).toMatch(/^fake-/);
    expect(row.refreshOwner).toBeNull();
  });

  it('refreshes exactly once when two instances sharing the database need a token at the same moment', async () => {
    // On MySQL/MariaDB the second instance has its own connection pool, as another process would.
    const peer = testDatabaseKind() === 'mysql' ? second : db().dataSource;
    const a = client({ owner: 'instance-a' });
    const b = client({ dataSource: peer, owner: 'instance-b' });
    await Promise.all([
      ...Array.from({ length: 10 }, () => a.sendMessage('wangwu', text('from a'))),
      ...Array.from({ length: 10 }, () => b.sendMessage('wangwu', text('from b'))),
    ]);
    expect(fake.state.gettokenCalls).toBe(1);
  });

  it('reuses a token another instance stored, without calling gettoken', async () => {
    await client({ owner: 'first' }).sendMessage('lisi', text('one'));
    await client({ owner: 'second' }).sendMessage('lisi', text('two'));
    expect(fake.state.gettokenCalls).toBe(1);
  });

  it('refreshes and retries once when WeCom revokes the token early (40014) or it expires (42001)', async () => {
    const api = client();
    await api.sendMessage('lisi', text('before'));
    fake.state.revokeAllTokens();
    await api.sendMessage('lisi', text('after revocation'));
    expect(fake.state.gettokenCalls).toBe(2);

    fake.state.failNext('message/send', 42001);
    await api.sendMessage('lisi', text('after expiry'));
    expect(fake.state.gettokenCalls).toBe(3);

    // A token error on the retry too is not retried again.
    fake.state.failNext('message/send', 40014, 2);
    await expect(api.sendMessage('lisi', text('twice'))).rejects.toMatchObject({ errcode: 40014 });
  });

  it('treats a refused secret (40001) as a configuration error and does not retry in a loop', async () => {
    const api = client({ secret: 'wrong-secret' });
    await expect(api.sendMessage('lisi', text('x'))).rejects.toBeInstanceOf(WecomConfigError);
    await expect(api.sendMessage('lisi', text('y'))).rejects.toThrow(/check WECOM_CORP_ID and WECOM_SECRET/);
    expect(fake.state.gettokenCalls).toBe(1);
  });

  it('backs off and retries when WeCom is busy (-1), then gives up with the error', async () => {
    const api = client();
    fake.state.failNext('message/send', -1);
    await api.sendMessage('lisi', text('after busy'));
    expect(fake.state.messagesFor('lisi').at(-1)?.payload).toEqual({ content: 'after busy' });
    fake.state.failNext('message/send', -1, 5);
    await expect(api.sendMessage('lisi', text('never'))).rejects.toBeInstanceOf(WecomApiError);
  });

  it('downloads JPEG and PNG photos and stores them by content hash', async () => {
    const api = client();
    const storage = new LocalDiskStorage(`${db().database.dir}/media`);
    const jpegId = fake.state.addMedia(JPEG, 'image/jpeg');
    const downloaded = await api.downloadMedia(jpegId);
    expect(downloaded).toMatchObject({ mimeType: 'image/jpeg', extension: 'jpg' });
    const stored = await storage.put(downloaded.data, downloaded.extension, downloaded.mimeType);
    expect(stored.key).toMatch(/^[0-9a-f]{64}\.jpg$/);
    expect((await storage.read(stored.key)).equals(JPEG)).toBe(true);
    expect((await storage.put(JPEG, 'jpg', 'image/jpeg')).key).toBe(stored.key);
    expect((await api.downloadMedia(fake.state.addMedia(PNG, 'image/png'))).extension).toBe('png');
  });

  it('refuses media that is an error answer, not an image, or too large', async () => {
    const api = client();
    await expect(api.downloadMedia('no-such-media')).rejects.toMatchObject({ errcode: 40007 });
    const html = fake.state.addMedia(Buffer.from('<html>not a photo</html>'), 'image/jpeg');
    await expect(api.downloadMedia(html)).rejects.toBeInstanceOf(MediaRejectedError);
    const huge = fake.state.addMedia(Buffer.concat([JPEG, Buffer.alloc(MAX_MEDIA_BYTES)]), 'image/jpeg');
    await expect(api.downloadMedia(huge)).rejects.toThrow(/limit/);
  });

  it('pushes the application menu', async () => {
    await client().createMenu(toWecomMenu());
    expect(fake.state.menus.at(-1)).toEqual(toWecomMenu());
  });
});
