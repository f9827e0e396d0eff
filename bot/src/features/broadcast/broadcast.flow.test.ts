/**
 * Broadcasts end to end on a running Fieldline with the fake WeCom API: an article sent from the command
 * reaches members as a WeCom card through the real relay; `通知`, `案例` and `视频` through the real
 * encrypted webhook answer with news lists; the signed page identifies its reader through WeCom's OAuth
 * (authorize → code → auth/getuserinfo) and records the read once; forged, expired and other articles'
 * links are refused; engineer-written text is rendered inertly.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inTransaction } from '../../db/transaction';
import { t, type MessageKey, type MessageParams } from '../../i18n';
import { WecomApiClient } from '../../channels/wecom/api-client';
import { TokenStore } from '../../channels/wecom/token-store';
import { createTestDatabase, eventually, silentLogger, type TestDatabase } from '../../../test/support';
import { WebClient, type WebResponse } from '../../../test/web';
import { startBot, startFakeWecom, TEST_CORP, type FakeWecom, type RunningBot } from '../../../test/wecom';
import { kbLinkQuery } from '../knowledge';
import { putSetting, resetSetting } from '../settings';
import { createStaff, Staff } from '../staff';
import { Article } from './article.entity';
import { ArticleRecipient } from './article-recipient.entity';
import { saveArticleDraft } from './broadcast.commands';
import { ARTICLE_LINK_TTL_SECONDS, articleLink } from './broadcast.links';
import { EMPTY_AUDIENCE, type ArticleInput } from './broadcast.schema';
import { sendArticleNow } from './broadcast.sending';
import { bestCaseScheduleSetting } from './broadcast.settings';
import { createTrainingVideo } from './video.commands';

const BASE = 'https://fieldline.example.com';
const WECOM_UA = 'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Mobile Safari/537.36 wxwork/4.1.22';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const HOSTILE_BODY = [
  '## 处理步骤',
  '',
  '<script>window.pwned = 1</script>',
  '',
  '<img src=x onerror="alert(1)">',
  '',
  '[点我](javascript:alert(1)) [正常链接](https://example.com/guide)',
].join('\n');
const say = (key: MessageKey, params?: MessageParams) => t('zh-CN', key, params);
/** The path and query of a link to our public pages (they point at PUBLIC_BASE_URL). */
const local = (url: string) => url.slice(BASE.length);

describe('broadcasts in WeCom and on the signed page', () => {
  let database: TestDatabase;
  let wecom: FakeWecom;
  let bot: RunningBot;
  let author: Staff;
  const articles: Record<string, Article> = {};
  const manager = () => bot.running.database.dataSource.manager;
  const links = { baseUrl: BASE, sessionSecret: undefined };

  async function publish(name: string, parts: Partial<ArticleInput>, send = true): Promise<Article> {
    const input: ArticleInput = {
      kind: 'notice',
      title: name,
      summary: '',
      body: '正文',
      coverKey: null,
      tags: [],
      audience: { ...EMPTY_AUDIENCE, roles: ['engineer'] },
      isUrgent: false,
      smsGroups: [],
      featuredWeek: null,
      ...parts,
    };
    const article = await inTransaction(bot.running.database.dataSource, async (m) => {
      const draft = await saveArticleDraft({ manager: m, input, authorId: author.id, now: new Date() });
      if (!send) return draft;
      return (await sendArticleNow({ manager: m, id: draft.id, version: 1, now: new Date(), links })).article;
    });
    articles[name] = article;
    return article;
  }

  /**
   * Sends a text as a member; returns the passive reply, or the news lists pushed instead (article cards
   * still arriving from a send are textcards, and are left out).
   */
  async function command(user: string, text: string) {
    const before = wecom.state.messages.at(-1)?.id ?? 0;
    const client = bot.client(user);
    const result = await client.deliver(client.textXml(text));
    expect(result.status).toBe(200);
    if (result.reply) return { reply: result.reply.content, pushed: [] };
    const pushed = await eventually(() => {
      const messages = wecom.state.messagesFor(user, before).filter((message) => message.msgtype === 'news');
      return messages.length > 0 ? messages : undefined;
    });
    return { reply: undefined, pushed };
  }
  const newsOf = (pushed: Array<{ msgtype: string; payload: Readonly<Record<string, unknown>> }>) =>
    pushed.flatMap((message) => {
      expect(message.msgtype).toBe('news');
      return (
        message.payload as {
          articles: Array<{ title: string; description?: string; url: string; picurl?: string }>;
        }
      ).articles;
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    wecom = await startFakeWecom();
    bot = await startBot({ database, apiBase: wecom.url, env: { PUBLIC_BASE_URL: BASE } });
    await inTransaction(bot.running.database.dataSource, async (m) => {
      author = await createStaff({
        manager: m,
        staffNo: 'T2001',
        name: '王芳',
        role: 'tier2',
        wecomUserId: 'wangfang',
      });
      await createStaff({
        manager: m,
        staffNo: 'E3001',
        name: '张三',
        role: 'engineer',
        wecomUserId: 'zhangsan',
      });
      await createStaff({
        manager: m,
        staffNo: 'E3002',
        name: '李四',
        role: 'engineer',
        wecomUserId: 'lisi',
      });
    });
  });
  afterAll(async () => {
    await bot.stop();
    await wecom.close();
    await database.drop();
  });

  it('delivers a sent article to its audience as a WeCom card through the relay', async () => {
    const cover = await bot.running.services.storage.put(PNG, 'png', 'image/png');
    const outage = await publish('城北 OLT 板卡故障', {
      kind: 'outage',
      summary: '城北片区 <div class="highlight">部分</div> 用户断网，预计 16:00 恢复',
      body: HOSTILE_BODY,
      coverKey: cover.key,
    });
    await eventually(() => wecom.state.messagesFor('lisi').some((m) => m.msgtype === 'news'));
    const [card] = newsOf(wecom.state.messagesFor('zhangsan').filter((m) => m.msgtype === 'news'));
    expect(card).toMatchObject({
      title: '【故障通告】城北 OLT 板卡故障',
      description: '城北片区 ＜div class="highlight"＞部分＜/div＞ 用户断网，预计 16:00 恢复',
    });
    expect(card?.url).toMatch(new RegExp(`^${BASE}/articles/${outage.id}\\?e=\\d+&s=[\\w-]{43}$`));
    expect(card?.picurl).toMatch(new RegExp(`^${BASE}/articles/${outage.id}/cover\\?e=\\d+&s=[\\w-]{43}$`));
    expect(wecom.state.messagesFor('wangfang')).toEqual([]);
    // Both engineers' batch is recorded as delivered, and the article as sent.
    await eventually(
      async () => (await manager().findOneByOrFail(Article, { id: outage.id })).status === 'sent',
    );
    expect(
      (await manager().findBy(ArticleRecipient, { articleId: outage.id })).map((row) => row.deliveryStatus),
    ).toEqual(['delivered', 'delivered']);

    const coverImage = await new WebClient(bot.baseUrl).get(local(card?.picurl ?? ''));
    expect(coverImage.status).toBe(200);
    expect(coverImage.headers.get('content-type')).toBe('image/png');
  });

  it('identifies the reader through WeCom OAuth and records the read once', async () => {
    const outage = articles['城北 OLT 板卡故障']!;
    const url = await articleLink({
      manager: manager(),
      id: outage.id,
      baseUrl: BASE,
      now: new Date(),
      sessionSecret: undefined,
    });
    const phone = new WebClient(bot.baseUrl);
    const opened = await phone.request('GET', local(url), undefined, { 'user-agent': WECOM_UA });
    expect(opened.status).toBe(302);
    const authorize = new URL(opened.location ?? '');
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${wecom.url}/connect/oauth2/authorize`);
    expect([...authorize.searchParams.keys()]).toEqual([
      'appid',
      'redirect_uri',
      'response_type',
      'scope',
      'state',
      'agentid',
    ]);
    expect(Object.fromEntries(authorize.searchParams)).toEqual({
      appid: TEST_CORP.corpId,
      redirect_uri: url,
      response_type: 'code',
      scope: 'snsapi_base',
      state: 'read',
      agentid: String(TEST_CORP.agentId),
    });
    expect(authorize.hash).toBe('#wechat_redirect');

    // WeCom knows who is signed in on the phone and sends them back with a one-time code.
    authorize.searchParams.set('userid', 'zhangsan');
    const back = await fetch(authorize, { redirect: 'manual' });
    expect(back.status).toBe(302);
    const returned = back.headers.get('location') ?? '';
    expect(returned).toMatch(
      new RegExp(`^${BASE}/articles/${outage.id}\\?e=\\d+&s=[\\w-]+&code=\\w+&state=read$`),
    );
    const page = await phone.request('GET', local(returned), undefined, { 'user-agent': WECOM_UA });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>城北 OLT 板卡故障</h1>');
    const zhangsan = await manager().findOneByOrFail(Staff, { wecomUserId: 'zhangsan' });
    const row = () =>
      manager().findOneByOrFail(ArticleRecipient, { articleId: outage.id, staffId: zhangsan.id });
    const firstRead = (await row()).readAt;
    expect(firstRead).toBeInstanceOf(Date);

    // A reload reuses the spent code: the page still shows, the first read stays.
    const reload = await phone.request('GET', local(returned), undefined, { 'user-agent': WECOM_UA });
    expect(reload.status).toBe(200);
    expect((await row()).readAt?.toISOString()).toBe(firstRead?.toISOString());
    // Outside WeCom the page shows without identifying anyone.
    const desktop = await new WebClient(bot.baseUrl).get(local(url));
    expect(desktop.status).toBe(200);
    const lisi = await manager().findOneByOrFail(Staff, { wecomUserId: 'lisi' });
    expect(
      (await manager().findOneByOrFail(ArticleRecipient, { articleId: outage.id, staffId: lisi.id })).readAt,
    ).toBeNull();
    // Someone the article was not sent to reads it, but is not counted.
    wecom.state.oauthUser = 'wangfang';
    try {
      const viaOauth = await fetch(new URL(opened.location ?? ''), { redirect: 'manual' });
      const desk = await phone.request('GET', local(viaOauth.headers.get('location') ?? ''), undefined, {
        'user-agent': WECOM_UA,
      });
      expect(desk.status).toBe(200);
      expect(await manager().countBy(ArticleRecipient, { articleId: outage.id, staffId: author.id })).toBe(0);
    } finally {
      wecom.state.oauthUser = undefined;
    }
  });

  it('sends readers to open.weixin.qq.com when talking to WeCom itself', () => {
    const client = new WecomApiClient({
      apiBase: () => 'https://qyapi.weixin.qq.com',
      corpId: TEST_CORP.corpId,
      agentId: TEST_CORP.agentId,
      secret: TEST_CORP.secret,
      logger: silentLogger,
      // Building the link needs no token: the store is never asked.
      tokenStore: (fetchToken) =>
        new TokenStore({
          dataSource: () => bot.running.database.dataSource,
          key: 'unused',
          owner: 'test',
          fetchToken,
        }),
    });
    expect(client.oauthAuthorizeUrl(`${BASE}/articles/7?e=1&s=x`, 'read')).toBe(
      `https://open.weixin.qq.com/connect/oauth2/authorize?appid=${TEST_CORP.corpId}` +
        `&redirect_uri=${encodeURIComponent(`${BASE}/articles/7?e=1&s=x`)}` +
        `&response_type=code&scope=snsapi_base&state=read&agentid=${TEST_CORP.agentId}#wechat_redirect`,
    );
  });

  it('renders engineer-written text inertly', async () => {
    const outage = articles['城北 OLT 板卡故障']!;
    const url = await articleLink({
      manager: manager(),
      id: outage.id,
      baseUrl: BASE,
      now: new Date(),
      sessionSecret: undefined,
    });
    const page: WebResponse = await new WebClient(bot.baseUrl).get(local(url));
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.body).toContain('<h2>处理步骤</h2>');
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(page.body).toContain('&lt;script&gt;window.pwned = 1&lt;/script&gt;');
    expect(page.body).not.toMatch(/<img[^>]*onerror/i);
    expect(page.body).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(page.body).not.toMatch(/href="javascript:/i);
    expect(page.body).toContain(
      '<a href="https://example.com/guide" rel="noopener noreferrer nofollow">正常链接</a>',
    );
    expect(page.body).toContain('城北片区 &lt;div class=&quot;highlight&quot;&gt;部分&lt;/div&gt; 用户断网');
  });

  it('refuses forged, expired and other articles’ links, and never shows unsent articles', async () => {
    const outage = articles['城北 OLT 板卡故障']!;
    const other = await publish('其他通知', {});
    const draft = await publish('未发送的草稿', {}, false);
    const sign = (id: number, now = new Date()) =>
      articleLink({ manager: manager(), id, baseUrl: BASE, now, sessionSecret: undefined });
    const web = new WebClient(bot.baseUrl);
    const valid = local(await sign(outage.id));
    const forged = valid.replace(/s=([\w-])/, (_m, c: string) => `s=${c === 'A' ? 'B' : 'A'}`);
    const refused = async (path: string, status: number, key: MessageKey) => {
      const response = await web.request('GET', path, undefined, { 'user-agent': WECOM_UA });
      expect(response.status).toBe(status);
      expect(response.body).toContain(say(key));
      // A short title heads the page and names the tab; the message under it says why.
      const title = say(status === 403 ? 'broadcast.page.linkRefused' : 'web.public.notFoundTitle');
      expect(response.body).toContain(`<title>${title} · ${say('broadcast.page.brand')}</title>`);
      expect(response.body).toContain(`<h1>${title}</h1>`);
    };
    await refused(forged, 403, 'broadcast.page.linkInvalid');
    await refused(valid.replace(/&s=.*/, ''), 403, 'broadcast.page.linkInvalid');
    await refused(
      valid.replace(/e=(\d+)/, (_m, e: string) => `e=${Number(e) + 60}`),
      403,
      'broadcast.page.linkInvalid',
    );
    // A genuine signature of another article does not open this one.
    const otherQuery = local(await sign(other.id)).replace(/^[^?]*/, '');
    await refused(`/articles/${outage.id}${otherQuery}`, 403, 'broadcast.page.linkInvalid');
    const old = new Date(Date.now() - (ARTICLE_LINK_TTL_SECONDS + 60) * 1000);
    await refused(local(await sign(outage.id, old)), 403, 'broadcast.page.linkExpired');
    await refused(local(await sign(draft.id)), 404, 'broadcast.page.gone');
    await refused(`/articles/abc${otherQuery}`, 404, 'broadcast.page.gone');
    // A handbook link's signature is not an article's.
    const kbQuery = await kbLinkQuery({
      manager: manager(),
      entryId: outage.id,
      now: new Date(),
      sessionSecret: undefined,
    });
    await refused(`/articles/${outage.id}?${kbQuery}`, 403, 'broadcast.page.linkInvalid');
  });

  it('answers 通知, 案例 and 视频 with news lists through the webhook', async () => {
    expect((await command('zhangsan', '视频')).reply).toBe(say('broadcast.videos.none'));
    // With no case yet, 案例 says when the weekly push brings one, as broadcast.bestCaseSchedule sets it.
    expect((await command('wangfang', '案例')).reply).toBe('暂无优秀案例。每周五 16:00 会推送新的案例。');
    await inTransaction(bot.running.database.dataSource, (m) =>
      putSetting({
        manager: m,
        definition: bestCaseScheduleSetting,
        value: { ...bestCaseScheduleSetting.defaultValue, pushWeekday: 6, pushTime: '09:30' },
        actor: 'test',
      }),
    );
    expect((await command('wangfang', '案例')).reply).toBe('暂无优秀案例。每周六 09:30 会推送新的案例。');
    await resetSetting({ manager: manager(), definition: bestCaseScheduleSetting });

    await publish('热点：光猫批量掉线', {
      kind: 'hot',
      audience: { ...EMPTY_AUDIENCE, everyone: true },
      summary: '固件 V3 已修复',
    });
    await publish('六月优秀案例：一次上门解决 IPTV 卡顿', {
      kind: 'best-case',
      audience: EMPTY_AUDIENCE,
      body: '案例正文',
    });
    await inTransaction(bot.running.database.dataSource, async (m) => {
      const cover = await bot.running.services.storage.put(PNG, 'png', 'image/png');
      await createTrainingVideo({
        manager: m,
        input: {
          title: 'FTTH 三张照片标准',
          description: '光猫、分光箱、测速截图',
          durationSeconds: 330,
          url: 'https://video.example.com/ftth-photos',
          coverKey: cover.key,
          isActive: true,
        },
        now: new Date(),
      });
      await createTrainingVideo({
        manager: m,
        input: {
          title: '改约与回访礼仪',
          description: '',
          durationSeconds: 3725,
          url: 'https://video.example.com/etiquette',
          coverKey: null,
          isActive: true,
        },
        now: new Date(),
      });
    });

    const notices = newsOf((await command('zhangsan', '通知')).pushed);
    expect(notices.map((item) => item.title)).toEqual([
      '【热点问题】热点：光猫批量掉线',
      '【业务通知】其他通知',
    ]);
    expect(notices[0]?.description).toBe('固件 V3 已修复');
    expect(notices[0]?.url).toMatch(new RegExp(`^${BASE}/articles/\\d+\\?e=\\d+&s=[\\w-]{43}$`));
    expect((await new WebClient(bot.baseUrl).get(local(notices[0]?.url ?? ''))).status).toBe(200);
    // The desk member was not in the engineers' notice's audience; the hot issue went to everyone.
    expect(newsOf((await command('wangfang', '通知')).pushed).map((item) => item.title)).toEqual([
      '【热点问题】热点：光猫批量掉线',
    ]);

    const cases = newsOf((await command('lisi', '案例')).pushed);
    expect(cases.map((item) => item.title)).toEqual(['【优秀案例】六月优秀案例：一次上门解决 IPTV 卡顿']);
    expect(cases[0]?.description).toBe('案例正文');

    const videos = newsOf((await command('lisi', '视频')).pushed);
    expect(videos.map((item) => [item.title, item.url])).toEqual([
      ['FTTH 三张照片标准（5:30）', 'https://video.example.com/ftth-photos'],
      ['改约与回访礼仪（1:02:05）', 'https://video.example.com/etiquette'],
    ]);
    expect(videos[0]?.description).toBe('光猫、分光箱、测速截图');
    expect(videos[0]?.picurl).toMatch(
      new RegExp(`^${BASE}/articles/videos/\\d+/cover\\?e=\\d+&s=[\\w-]{43}$`),
    );
    const videoCover = await new WebClient(bot.baseUrl).get(local(videos[0]?.picurl ?? ''));
    expect(videoCover.status).toBe(200);
    expect(videoCover.headers.get('content-type')).toBe('image/png');
    expect(videos[1]?.picurl).toBeUndefined();

    // The menu clicks are the same commands.
    const click = bot.client('zhangsan');
    const before = wecom.state.messages.at(-1)?.id ?? 0;
    expect((await click.deliver(click.eventXml('click', 'NOTICES'))).status).toBe(200);
    await eventually(() => wecom.state.messagesFor('zhangsan', before).some((m) => m.msgtype === 'news'));
  });
});
