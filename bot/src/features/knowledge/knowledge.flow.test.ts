/**
 * The handbook end to end: an engineer asks `查询` through the real webhook (signed, encrypted) and opens
 * the signed link on the public page; desk staff write and edit entries on the admin web (real HTTP,
 * sign-in, CSRF, multipart photo upload), two editors collide, and roles without kb.write are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inTransaction } from '../../db/transaction';
import { t, type MessageKey, type MessageParams } from '../../i18n';
import { setPassword } from '../accounts';
import { AuditEntry } from '../audit';
import { createStaff, type Role, type Staff } from '../staff';
import { createTestDatabase, type TestDatabase } from '../../../test/support';
import { WebClient, type WebResponse } from '../../../test/web';
import { sendText, startBot, startFakeWecom, type FakeWecom, type RunningBot } from '../../../test/wecom';
import { createKbEntry, findKbEntry, kbEntryLink, KB_LINK_TTL_SECONDS, type KbEntry } from '.';

const say = (key: MessageKey, params?: MessageParams) => t('zh-CN', key, params);
const PASSWORD = 'correct horse battery';
const BASE = 'https://fieldline.example.com';
const JPEG = (label: string) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(label)]);

describe('field handbook, end to end', () => {
  let database: TestDatabase;
  let wecom: FakeWecom;
  let bot: RunningBot;
  const people: Record<string, Staff> = {};
  let ont: KbEntry;
  let stb: KbEntry;
  let draft: KbEntry;

  beforeAll(async () => {
    database = await createTestDatabase();
    wecom = await startFakeWecom();
    bot = await startBot({ database, apiBase: wecom.url, env: { PUBLIC_BASE_URL: BASE } });
    const photo = await bot.running.services.storage.put(JPEG('pon-light'), 'jpg', 'image/jpeg');
    await inTransaction(bot.running.database.dataSource, async (manager) => {
      const add = async (staffNo: string, role: Role, extra = {}) => {
        people[staffNo] = await createStaff({
          manager,
          staffNo,
          name: `${staffNo} 姓名`,
          role,
          phone: '+8613900001111',
          ...extra,
        });
        if (role !== 'engineer')
          await setPassword({ manager, staffId: people[staffNo].id, password: PASSWORD });
      };
      await add('E1001', 'engineer', { wecomUserId: 'wangqiang' });
      await add('T2001', 'tier2');
      await add('T2002', 'tier2');
      await add('N3001', 'tier3');
      await add('M4001', 'manager');
      const create = (
        title: string,
        body: string,
        tags: string[],
        isPublished = true,
        photos: string[] = [],
      ) =>
        createKbEntry({
          manager,
          input: { title, body, tags, photos, isPublished },
          author: 'T2001',
          now: new Date(),
        });
      ont = await create(
        '光猫注册失败（LOID 注册不上）',
        '## 处理步骤\n1. 测光功率\n2. 核对 LOID 后重启光猫\n\n<script>alert(1)</script> [坏链接](javascript:alert(1))',
        ['光猫', 'LOID'],
        true,
        [photo.key],
      );
      stb = await create('机顶盒无信号', '切换电视信号源，检查 HDMI 线。', ['机顶盒']);
      await create('光猫指示灯说明', 'PON 灯常亮表示注册成功。', ['光猫']);
      await create('语音业务注册失败', '核对 IMS 账号。', ['语音']);
      draft = await create('光猫注册失败（未发布的草稿）', '草稿', ['光猫'], false);
      for (let i = 1; i <= 6; i += 1)
        await create(`长标题条目 ${i} ${'光缆熔接损耗过大'.repeat(20)}`, '熔接损耗。', ['光缆']);
    });
  });
  afterAll(async () => {
    await bot.stop();
    await wecom.close();
    await database.drop();
  });

  const manager = () => bot.running.database.dataSource.manager;
  async function signedIn(staffNo: string): Promise<WebClient> {
    const web = new WebClient(bot.baseUrl);
    expect((await web.signIn(staffNo, PASSWORD)).status).toBe(302);
    return web;
  }
  /** The path and query of every link in a reply (they point at PUBLIC_BASE_URL; the test serves them locally). */
  const links = (reply: string) =>
    [...reply.matchAll(/https:\/\/fieldline\.example\.com(\/kb\/\d+\?e=\d+&s=[A-Za-z0-9_-]+)/g)].map(
      (m) => m[1] ?? '',
    );
  async function multipart(
    web: WebClient,
    pagePath: string,
    action: string,
    fields: Record<string, string>,
    files: Buffer[] = [],
  ) {
    const page = await web.get(pagePath);
    const form = new FormData();
    form.append('_csrf', WebClient.csrf(page.body));
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    for (const [index, data] of files.entries())
      form.append('photos', new Blob([data], { type: 'image/jpeg' }), `p${index}.jpg`);
    return web.request('POST', action, form);
  }
  const expectSafePage = (response: WebResponse) => {
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(response.body).not.toMatch(/href="javascript:/i);
  };

  describe('查询 in WeCom', () => {
    it('answers at once with numbered matches and signed links that open on a phone without signing in', async () => {
      const reply = await sendText(bot.client('wangqiang'), '查询 光猫 注册失败');
      expect(reply.startsWith(say('kb.flow.results', { query: '光猫 注册失败' }))).toBe(true);
      expect(reply).toContain(`1. 光猫注册失败（LOID 注册不上）\n${BASE}/kb/${ont.id}?e=`);
      expect(reply).not.toContain('未发布的草稿');
      expect(reply.endsWith(say('kb.flow.footer'))).toBe(true);

      const [first = ''] = links(reply);
      const page = await new WebClient(bot.baseUrl).get(first);
      expect(page.status).toBe(200);
      expect(page.body).toContain('<h1>光猫注册失败（LOID 注册不上）</h1>');
      expect(page.body).toContain('<h2>处理步骤</h2>');
      expect(page.body).toContain('&lt;script&gt;');
      expectSafePage(page);
      expect(page.headers.get('cache-control')).toBe('no-store');
      const query = first.slice(first.indexOf('?'));
      expect(page.body).toContain(`/kb/${ont.id}/photos/0${query.replace('&', '&amp;')}`);
      const image = await new WebClient(bot.baseUrl).get(`/kb/${ont.id}/photos/0${query}`);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/jpeg');
      expect(image.body).toContain('pon-light');
      expect((await new WebClient(bot.baseUrl).get(`/kb/${ont.id}/photos/1${query}`)).status).toBe(404);
    });

    it('asks for the keywords when none are given, and finds the entry despite a typo', async () => {
      const engineer = bot.client('wangqiang');
      expect(await sendText(engineer, '查询')).toBe(say('kb.flow.ask'));
      const reply = await sendText(engineer, '机顶盒无信信号');
      expect(reply).toContain(`1. 机顶盒无信号\n${BASE}/kb/${stb.id}?e=`);
      // The flow is over: the next message is not taken as keywords.
      expect(await sendText(engineer, '机顶盒')).toBe(say('bot.unknown'));
      // The menu item 知识查询 is the same flow.
      const click = await engineer.deliver(engineer.eventXml('click', 'KB_SEARCH'));
      expect(click.reply?.content).toBe(say('kb.flow.ask'));
      expect(await sendText(engineer, '取消')).toBe(say('bot.cancelled'));
      // Typed again while the flow waits, the command word is not part of the keywords.
      expect(await sendText(engineer, '查询')).toBe(say('kb.flow.ask'));
      expect(await sendText(engineer, '查询 LOID')).toContain('1. 光猫注册失败（LOID 注册不上）');
    });

    it('says so when nothing matches and points to 提问', async () => {
      const reply = await sendText(bot.client('wangqiang'), '查询 火星探测器');
      expect(reply).toBe(say('kb.flow.none', { query: '火星探测器' }));
      expect(reply).toContain('提问');
    });

    it('keeps the answer within WeCom’s 2048 bytes, at most 5 matches, titles shortened', async () => {
      const reply = await sendText(bot.client('wangqiang'), '查询 光缆熔接损耗过大');
      expect(Buffer.byteLength(reply, 'utf8')).toBeLessThanOrEqual(2048);
      expect(links(reply)).toHaveLength(5);
      expect(reply).toMatch(/^5\. 长标题条目 \d .+…$/m);
    });
  });

  describe('public page', () => {
    const sign = async (entryId: number, now = new Date()) => {
      const url = await kbEntryLink({
        manager: manager(),
        entryId,
        baseUrl: BASE,
        now,
        sessionSecret: undefined,
      });
      return url.slice(BASE.length);
    };

    it('refuses expired, forged and other entries’ links with a 403 page in Chinese', async () => {
      const anonymous = new WebClient(bot.baseUrl);
      const expired = await anonymous.get(
        await sign(ont.id, new Date(Date.now() - (KB_LINK_TTL_SECONDS + 60) * 1000)),
      );
      expect(expired.status).toBe(403);
      expect(expired.body).toContain(say('web.kb.linkExpired'));
      expectSafePage(expired);
      const good = await sign(ont.id);
      const forged = good.replace(
        /s=([A-Za-z0-9_-])/,
        (_whole, char: string) => `s=${char === 'A' ? 'B' : 'A'}`,
      );
      expect((await anonymous.get(forged)).body).toContain(say('web.kb.linkInvalid'));
      expect((await anonymous.get(forged)).status).toBe(403);
      const otherEntry = good.replace(`/kb/${ont.id}?`, `/kb/${stb.id}?`);
      expect((await anonymous.get(otherEntry)).status).toBe(403);
      expect((await anonymous.get(`/kb/${ont.id}`)).status).toBe(403);
      expect((await anonymous.get(`/kb/${ont.id}/photos/0`)).status).toBe(403);
      // A genuine link to an entry that is not published (any more) shows nothing of it.
      const hidden = await anonymous.get(await sign(draft.id));
      expect(hidden.status).toBe(404);
      expect(hidden.body).not.toContain('草稿');
      expect(hidden.body).toContain(`<h1>${say('web.public.notFoundTitle')}</h1>`);
      expect(hidden.body).toContain(say('web.kb.gone'));
      expect(hidden.body).toMatch(/<title>页面不存在 · [^<。]+<\/title>/);
    });
  });

  describe('admin web', () => {
    it('lists and searches the handbook, and shows an entry safely with a share link', async () => {
      const desk = await signedIn('T2001');
      const list = await desk.get('/admin/kb');
      expect(list.status).toBe(200);
      expect(list.body).toContain('未发布的草稿'); // writers see drafts
      const search = await desk.get(`/admin/kb?q=${encodeURIComponent('光猫注册失败了吧')}`);
      expect(search.body.indexOf('光猫注册失败（LOID 注册不上）')).toBeLessThan(
        search.body.indexOf('光猫指示灯说明'),
      );
      const view = await desk.get(`/admin/kb/${ont.id}`);
      expect(view.status).toBe(200);
      expectSafePage(view);
      expect(view.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(view.body).toContain(`${BASE}/kb/${ont.id}?e=`);
      const photo = await desk.get(`/admin/kb/${ont.id}/photos/0`);
      expect(photo.headers.get('content-type')).toBe('image/jpeg');
    });

    it('creates an entry with photos (images only, 5 MB each), searchable at once, audited', async () => {
      const desk = await signedIn('T2001');
      const notImage = await multipart(
        desk,
        '/admin/kb/new',
        '/admin/kb/new',
        { title: '分纤箱跳纤规范', body: '正文', tags: '分纤箱', isPublished: '1' },
        [Buffer.from('MZ not a picture')],
      );
      expect(notImage.status).toBe(400);
      expect(notImage.body).toContain(say('kb.error.photoType'));
      expect(notImage.body).toContain('value="分纤箱跳纤规范"'); // what was typed is kept
      const tooLarge = await multipart(
        desk,
        '/admin/kb/new',
        '/admin/kb/new',
        { title: '分纤箱跳纤规范', body: '正文', tags: '分纤箱', isPublished: '1' },
        [Buffer.concat([JPEG('big'), Buffer.alloc(5 * 1024 * 1024)])],
      );
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.body).toContain(say('kb.error.photoSize', { max: 5 }));
      expect(await manager().query('SELECT id FROM kb_entry WHERE title = ?', ['分纤箱跳纤规范'])).toEqual(
        [],
      );

      const created = await multipart(
        desk,
        '/admin/kb/new',
        '/admin/kb/new',
        { title: '分纤箱跳纤规范', body: '跳纤前核对**端口**。', tags: '分纤箱，跳纤', isPublished: '1' },
        [JPEG('port-a'), JPEG('port-b')],
      );
      expect(created.status).toBe(302);
      const id = Number(/\/admin\/kb\/(\d+)/.exec(created.location ?? '')?.[1]);
      const entry = await findKbEntry(manager(), id);
      expect(entry).toMatchObject({
        title: '分纤箱跳纤规范',
        tags: ['分纤箱', '跳纤'],
        author: 'T2001',
        isPublished: true,
      });
      expect(entry?.photos).toHaveLength(2);
      const view = await desk.get(`/admin/kb/${id}`);
      expect(view.body).toContain('<strong>端口</strong>');
      expect((await desk.get(`/admin/kb/${id}/photos/1`)).body).toContain('port-b');
      expect(await sendText(bot.client('wangqiang'), '查询 跳纤')).toContain(
        `1. 分纤箱跳纤规范\n${BASE}/kb/${id}?e=`,
      );
      expect(
        await manager().findOneBy(AuditEntry, {
          action: 'kb.create',
          recordType: 'kb_entry',
          recordId: String(id),
        }),
      ).toMatchObject({
        actor: 'T2001',
        after: expect.objectContaining({ title: '分纤箱跳纤规范', photos: 2 }),
      });
    });

    it('lets only one of two editors of the same version win; the other sees 409 and keeps their text', async () => {
      const [first, second] = [await signedIn('T2001'), await signedIn('T2002')];
      const before = await findKbEntry(manager(), stb.id);
      const edit = (web: WebClient, body: string) =>
        multipart(web, `/admin/kb/${stb.id}/edit`, `/admin/kb/${stb.id}/edit`, {
          version: String(before?.version),
          title: '机顶盒无信号',
          body,
          tags: '机顶盒',
          isPublished: '1',
        });
      const won = await edit(first, '甲的修改：先切换信号源。');
      expect(won.status).toBe(302);
      const lost = await edit(second, '乙的修改：先重启机顶盒。');
      expect(lost.status).toBe(409);
      expect(lost.body).toContain(say('web.kb.conflict'));
      expect(lost.body).toContain('乙的修改：先重启机顶盒。'); // kept to copy from
      const after = await findKbEntry(manager(), stb.id);
      expect(after).toMatchObject({ body: '甲的修改：先切换信号源。', version: (before?.version ?? 0) + 1 });
      expect(lost.body).toContain(`name="version" value="${after?.version}"`);
      expect(
        await manager().countBy(AuditEntry, {
          action: 'kb.update',
          recordType: 'kb_entry',
          recordId: String(stb.id),
        }),
      ).toBe(1);
    });

    it('removes a photo through the edit form', async () => {
      const desk = await signedIn('T2001');
      const current = await findKbEntry(manager(), ont.id);
      const response = await multipart(desk, `/admin/kb/${ont.id}/edit`, `/admin/kb/${ont.id}/edit`, {
        version: String(current?.version),
        title: current?.title ?? '',
        body: current?.body ?? '',
        tags: current?.tags.join(',') ?? '',
        isPublished: '1',
        removePhoto: current?.photos[0] ?? '',
      });
      expect(response.status).toBe(302);
      expect((await findKbEntry(manager(), ont.id))?.photos).toEqual([]);
    });

    it('lets tier-3 and managers read but not write (403), and hides drafts from them', async () => {
      for (const staffNo of ['N3001', 'M4001']) {
        const reader = await signedIn(staffNo);
        expect((await reader.get('/admin/kb')).status).toBe(200);
        expect((await reader.get('/admin/kb')).body).not.toContain('未发布的草稿');
        expect((await reader.get(`/admin/kb/${stb.id}`)).status).toBe(200);
        expect((await reader.get(`/admin/kb/${draft.id}`)).status).toBe(404);
        expect((await reader.get('/admin/kb/new')).status).toBe(403);
        expect((await reader.get(`/admin/kb/${stb.id}/edit`)).status).toBe(403);
        const current = await findKbEntry(manager(), stb.id);
        const refused = await multipart(reader, '/admin/kb', `/admin/kb/${stb.id}/edit`, {
          version: String(current?.version),
          title: '被篡改',
          body: '被篡改',
          isPublished: '1',
        });
        expect(refused.status).toBe(403);
        expect(refused.body).toContain(say('web.forbidden'));
        expect(await findKbEntry(manager(), stb.id)).toMatchObject({
          title: '机顶盒无信号',
          version: current?.version,
        });
      }
    });
  });
});
