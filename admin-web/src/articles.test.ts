/**
 * The article and training-video pages against the real app (web service, real database, real
 * migrations) and the fake WeCom API on 127.0.0.1: the outbox relay of the app really delivers the
 * batches, so sent / delivered / read counts and reminders are what an operator would see.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { In } from 'typeorm';
import { inTransaction } from '../../bot/src/db/transaction';
import { AuditEntry } from '../../bot/src/features/audit';
import {
  Article,
  ArticleRecipient,
  TrainingVideo,
  articleCardTemplate,
  articleReminderTemplate,
  bestCaseScheduleSetting,
  findArticle,
  listVideos,
  markArticleRead,
} from '../../bot/src/features/broadcast';
import { putSetting, resetSetting } from '../../bot/src/features/settings';
import type { Role, Staff } from '../../bot/src/features/staff';
import { t, type MessageKey, type MessageParams } from '../../bot/src/i18n';
import { OutboxMessage, quietHoursSetting } from '../../bot/src/notifications';
import { createTestDatabase, eventually, type TestDatabase } from '../../bot/test/support';
import { makeStaffGraph, type PersonSpec } from '../../bot/test/staff-graph';
import { WebClient, type WebResponse } from '../../bot/test/web';
import { startBot, startFakeWecom, type FakeWecom, type RunningBot } from '../../bot/test/wecom';
import { isoWeek } from '../../bot/src/zoned-time';
import { escapeHtml } from './html';
import { localDateTimeInput, parseLocalDateTime } from './pages/broadcast-form';

const PASSWORD = 'correct horse battery';
const TZ = 'Asia/Shanghai';
const zh = (key: MessageKey, params?: MessageParams) => t('zh-CN', key, params);
/** A real 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

type Fields = Record<string, string | readonly string[]>;

describe('article and video pages', () => {
  let database: TestDatabase;
  let wecom: FakeWecom;
  let bot: RunningBot;
  const people: Record<string, Staff> = {};
  let areaId = 0;
  let otherAreaId = 0;

  const manager = () => bot.running.database.dataSource.manager;

  beforeAll(async () => {
    database = await createTestDatabase();
    wecom = await startFakeWecom();
    bot = await startBot({ database, apiBase: wecom.url });
    await inTransaction(bot.running.database.dataSource, async (m) => {
      const engineers = [1, 2, 3, 4].map(
        (n) => [`E${n}`, { department: 'area', wecomUserId: `e${n}` }] as const,
      );
      const cast: ReadonlyArray<readonly [string, Role, Partial<PersonSpec>?]> = [
        ['ADMIN1', 'admin'],
        ['T2A', 'tier2', { wecomUserId: 't2a' }],
        ['T3A', 'tier3'],
        ['MGR1', 'manager'],
        ...engineers.map(([key, extra]) => [key, 'engineer', extra] as const),
        // Bound but in another area, and an engineer who never bound WeCom: neither is in a 清河片区 send.
        ['E5', 'engineer', { department: 'other', wecomUserId: 'e5' }],
        ['E6', 'engineer', { department: 'area' }],
      ];
      const graph = await makeStaffGraph(m, {
        password: PASSWORD,
        departments: { area: { name: '清河片区', kind: 'area' }, other: { name: '淮阴片区', kind: 'area' } },
        people: Object.fromEntries(
          cast.map(([key, role, extra], index) => [
            key,
            { name: `${key} 姓名`, role, phone: `+86138000${String(index).padStart(5, '0')}`, ...extra },
          ]),
        ),
        groups: { 'control-desk': { name: '1183301 管控', onDuty: ['T2A'] } },
      });
      Object.assign(people, graph.people);
      areaId = graph.departments.area!.id;
      otherAreaId = graph.departments.other!.id;
      // Deliveries must not wait for the morning whenever this test happens to run.
      await putSetting({
        manager: m,
        definition: quietHoursSetting,
        value: { enabled: false, start: '22:00', end: '07:00' },
        actor: 'test',
      });
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await wecom?.close();
    await database?.drop();
  });

  const signedIn = (staffNo: string) => WebClient.signedIn(bot.baseUrl, staffNo, PASSWORD);

  /** Posts a multipart form the way the browser does, with the CSRF token of `pagePath`. */
  async function postForm(
    web: WebClient,
    pagePath: string,
    action: string,
    fields: Fields,
    cover?: { name: string; type: string; data: Buffer },
  ): Promise<WebResponse> {
    const page = await web.get(pagePath);
    const form = new FormData();
    form.append('_csrf', WebClient.csrf(page.body));
    for (const [name, value] of Object.entries(fields))
      for (const item of typeof value === 'string' ? [value] : value) form.append(name, item);
    if (cover) form.append('cover', new Blob([cover.data], { type: cover.type }), cover.name);
    return web.request('POST', action, form);
  }

  const articleFields = (overrides: Fields = {}): Fields => ({
    kind: 'notice',
    title: '装维上门预约规范更新',
    summary: '上门前须提前 30 分钟电话预约',
    body: '## 要点\n\n1. 提前 30 分钟电话预约\n2. 到达后出示工牌',
    tags: '预约, 规范',
    departmentIds: [String(areaId)],
    intent: 'save',
    ...overrides,
  });

  const idFrom = (location: string | null) => Number(/\/admin\/articles\/(\d+)/.exec(location ?? '')?.[1]);
  const countArticles = () => manager().count(Article);

  describe('writing', () => {
    it('refuses a draft with every problem beside its field and keeps everything typed', async () => {
      const web = await signedIn('T2A');
      const before = await countArticles();
      const tags = Array.from({ length: 11 }, (_, index) => `标签${index + 1}`).join(', ');
      const body = '正文 <b>保留</b>\n第二行';
      const response = await postForm(
        web,
        '/admin/articles/new',
        '/admin/articles/new',
        articleFields({ title: '', tags, body, smsGroups: ['control-desk'], roles: ['engineer', 'tier2'] }),
        { name: 'cover.png', type: 'image/png', data: PNG },
      );
      expect(response.status).toBe(400);
      expect(await countArticles()).toBe(before);
      for (const [field, key] of [
        ['title', 'broadcast.error.titleMissing'],
        ['tags', 'broadcast.error.tagCount'],
        ['smsGroups', 'broadcast.error.smsOnlyOutage'],
      ] as const) {
        expect(response.body).toContain(`data-field="${field}">${escapeHtml(zh(key, { max: 10 }))}</span>`);
      }
      // Multipart sends line ends as CRLF, as browsers do.
      expect(response.body.replace(/\r/g, '')).toMatch(`${escapeHtml(body)}</textarea`);
      expect(response.body).toContain(`value="${tags}"`);
      expect(response.body).toMatch(new RegExp(`<option\\s+value="${areaId}"\\s+selected`));
      expect(response.body).not.toMatch(new RegExp(`<option\\s+value="${otherAreaId}"\\s+selected`));
      expect(response.body).toMatch(/name="roles" value="engineer" checked/);
      expect(response.body).toMatch(/name="roles" value="tier2" checked/);
      expect(response.body).not.toMatch(/name="roles" value="manager" checked/);
      // The cover chosen with the refused form is kept, signed, for the next post.
      expect(response.body).toContain('id="article-pending-cover"');
      const pendingCover = /name="pendingCover" value="([^"]+)"/.exec(response.body)?.[1] ?? '';
      const pendingCoverSig = /name="pendingCoverSig"\s+value="([^"]+)"/.exec(response.body)?.[1] ?? '';

      const fixed = await postForm(
        web,
        '/admin/articles/new',
        '/admin/articles/new',
        articleFields({ title: '修正后的标题', pendingCover, pendingCoverSig }),
      );
      expect(fixed.status).toBe(302);
      const article = await findArticle(manager(), idFrom(fixed.location));
      expect(article).toMatchObject({ title: '修正后的标题', status: 'draft', coverKey: pendingCover });
      expect((await web.get(`/admin/articles/${article?.id}/cover`)).headers.get('content-type')).toBe(
        'image/png',
      );
    });

    it('ignores a pending cover whose signature is not this session’s, and refuses a cover that is not a photo', async () => {
      const web = await signedIn('T2A');
      const forged = await postForm(
        web,
        '/admin/articles/new',
        '/admin/articles/new',
        articleFields({ pendingCover: `${'a'.repeat(64)}.png`, pendingCoverSig: 'forged' }),
      );
      expect(forged.status).toBe(302);
      expect((await findArticle(manager(), idFrom(forged.location)))?.coverKey).toBeNull();
      const text = await postForm(web, '/admin/articles/new', '/admin/articles/new', articleFields(), {
        name: 'cover.png',
        type: 'image/png',
        data: Buffer.from('not a picture'),
      });
      expect(text.status).toBe(400);
      expect(text.body).toContain(`data-field="cover">${escapeHtml(zh('broadcast.error.cover'))}`);
    });

    it('previews Markdown on the server with script, javascript: links and event handlers made inert', async () => {
      const web = await signedIn('T2A');
      const before = await countArticles();
      const body = [
        '## 割接通知',
        '**今晚 23:00** 割接，[详情](https://docs.example.com/cutover)',
        '<script>window.pwned = 1</script>',
        '[点我](javascript:alert(1))',
        '<img src=x onerror=alert(1)>',
        '| 片区 | 时间 |\n| --- | --- |\n| 清河 | 23:00 |',
      ].join('\n\n');
      const response = await postForm(
        web,
        '/admin/articles/new',
        '/admin/articles/new',
        articleFields({ intent: 'preview', body, title: '割接 <i>预告</i>' }),
      );
      expect(response.status).toBe(200);
      expect(await countArticles()).toBe(before);
      const preview = response.body.slice(
        response.body.indexOf('id="article-preview"'),
        response.body.indexOf('id="article-form"'),
      );
      expect(preview).toContain('<strong>今晚 23:00</strong>');
      expect(preview).toContain('href="https://docs.example.com/cutover"');
      expect(preview).toContain('<table>');
      expect(preview).toContain('割接 &lt;i&gt;预告&lt;/i&gt;');
      expect(preview).not.toMatch(/<script/i);
      expect(preview).not.toMatch(/href="javascript:/i);
      expect(preview).toContain('[点我](javascript:alert(1))'); // shown as the text it is
      expect(preview).not.toMatch(/<img/i);
      expect(preview).not.toMatch(/<[^>]*\son[a-z]+=/i);
      expect(preview).toContain('&lt;img src=x onerror=alert(1)&gt;');
      // The page around it keeps the typed body as text.
      expect(response.body.replace(/\r/g, '')).toContain(`${escapeHtml(body)}</textarea`);
    });

    it('marks a best case for this week’s push or a chosen week, and only best cases', async () => {
      const web = await signedIn('T2A');
      const weeksAround = [isoWeek(new Date(), TZ)];
      const marked = await postForm(
        web,
        '/admin/articles/new',
        '/admin/articles/new',
        articleFields({
          kind: 'best-case',
          title: '一次上门解决光猫掉线',
          departmentIds: [],
          featuredThisWeek: '1',
        }),
      );
      weeksAround.push(isoWeek(new Date(), TZ)); // the request may cross midnight on a Sunday
      expect(marked.status).toBe(302);
      const article = await findArticle(manager(), idFrom(marked.location));
      expect(article).toMatchObject({ kind: 'best-case', status: 'draft' });
      expect(weeksAround).toContain(article?.featuredWeek);
      const detail = await web.get(`/admin/articles/${article?.id}`);
      expect(detail.body).toContain(
        escapeHtml(zh('web.broadcast.bestCaseDefault', { audience: zh('web.role.engineer') })),
      );
      const edit = await web.get(`/admin/articles/${article?.id}/edit`);
      expect(edit.body).toMatch(/name="featuredThisWeek" value="1" checked/);
      // The days and times on the form are broadcast.bestCaseSchedule's, not fixed text.
      expect(edit.body).toContain('周五 16:00 发给所选对象');
      expect(edit.body).toContain('本周没有标记案例时，周四 10:00 会提醒二级支撑');
      await inTransaction(bot.running.database.dataSource, (m) =>
        putSetting({
          manager: m,
          definition: bestCaseScheduleSetting,
          value: { ...bestCaseScheduleSetting.defaultValue, warnWeekday: 2, warnTime: '08:45' },
          actor: 'test',
        }),
      );
      const rescheduled = await web.get(`/admin/articles/${article?.id}/edit`);
      expect(rescheduled.body).toContain('本周没有标记案例时，周二 08:45 会提醒二级支撑');
      await resetSetting({ manager: manager(), definition: bestCaseScheduleSetting });

      const chosen = await postForm(
        web,
        '/admin/articles/new',
        '/admin/articles/new',
        articleFields({ kind: 'best-case', featuredWeek: '2031-W10' }),
      );
      expect((await findArticle(manager(), idFrom(chosen.location)))?.featuredWeek).toBe('2031-W10');

      const notice = await postForm(
        web,
        '/admin/articles/new',
        '/admin/articles/new',
        articleFields({ kind: 'notice', featuredWeek: '2031-W10' }),
      );
      expect(notice.status).toBe(400);
      expect(notice.body).toContain(
        `data-field="featuredWeek">${escapeHtml(zh('broadcast.error.featuredOnlyBestCase'))}`,
      );
      expect(notice.body).toContain('value="2031-W10"');
    });

    it('serves the article and video pages without inline script, style or event handlers', async () => {
      const web = await signedIn('T2A');
      const created = await postForm(web, '/admin/articles/new', '/admin/articles/new', articleFields());
      const id = idFrom(created.location);
      for (const path of [
        '/admin/articles',
        '/admin/articles/new',
        `/admin/articles/${id}`,
        `/admin/articles/${id}/edit`,
        `/admin/articles/${id}/send`,
        '/admin/videos',
        '/admin/videos/new',
      ]) {
        const page = await web.get(path);
        expect([path, page.status]).toEqual([path, 200]);
        expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
        expect([path, /<script(?![^>]*\bsrc=)/.test(page.body)]).toEqual([path, false]);
        expect([path, /<[^>]*\son[a-z]+=/i.test(page.body)]).toEqual([path, false]);
        expect([path, /style=/.test(page.body)]).toEqual([path, false]);
      }
    });

    it('says "changed meanwhile" when two people save the same version, keeping what the second one sent', async () => {
      const web = await signedIn('T2A');
      const created = await postForm(web, '/admin/articles/new', '/admin/articles/new', articleFields());
      const id = idFrom(created.location);
      const first = await postForm(
        web,
        `/admin/articles/${id}/edit`,
        `/admin/articles/${id}/edit`,
        articleFields({ version: '1', title: '第一位的修改' }),
      );
      expect(first.status).toBe(302);
      const second = await postForm(
        web,
        `/admin/articles/${id}/edit`,
        `/admin/articles/${id}/edit`,
        articleFields({ version: '1', title: '第二位的修改', body: '第二位写的正文' }),
      );
      expect(second.status).toBe(409);
      expect(second.body).toContain(escapeHtml(zh('web.broadcast.conflict')));
      expect(second.body).toContain('value="第一位的修改"');
      expect(second.body).toMatch(/id="article-sent"[\s\S]*第二位的修改[\s\S]*第二位写的正文/);
      expect((await findArticle(manager(), id))?.title).toBe('第一位的修改');
    });
  });

  describe('sending', () => {
    it('sends after a confirmation that shows the reach: batch rows in the outbox, then delivered and read counts', async () => {
      const web = await signedIn('T2A');
      const saved = await postForm(
        web,
        '/admin/articles/new',
        '/admin/articles/new',
        articleFields({ intent: 'send', title: '宽带提速通知' }),
      );
      expect(saved.status).toBe(302);
      const id = idFrom(saved.location);
      expect(saved.location).toBe(`/admin/articles/${id}/send`);
      expect((await findArticle(manager(), id))?.status).toBe('draft'); // nothing goes out before the confirmation
      const confirm = await web.get(`/admin/articles/${id}/send`);
      expect(confirm.body).toMatch(/id="article-reach">4</);
      const sent = await web.post(`/admin/articles/${id}/send`, {
        _csrf: WebClient.csrf(confirm.body),
        version: '1',
      });
      expect(sent.status).toBe(302);
      expect(sent.location).toContain('notice=web.broadcast.sendStarted');

      const rows = await manager().find(OutboxMessage, {
        where: { recipientKind: 'batch', template: articleCardTemplate.key },
      });
      const mine = rows.filter((row) => (row.data as { articleId?: number }).articleId === id);
      expect(mine).toHaveLength(1);
      expect(
        (await manager().findBy(ArticleRecipient, { articleId: id }))
          .map((row) => row.staffId)
          .sort((a, b) => a - b),
      ).toEqual(['E1', 'E2', 'E3', 'E4'].map((key) => people[key]!.id).sort((a, b) => a - b));
      await eventually(
        async () =>
          (await manager().countBy(ArticleRecipient, { articleId: id, deliveryStatus: 'delivered' })) === 4,
      );
      await inTransaction(bot.running.database.dataSource, (m) =>
        markArticleRead({ manager: m, articleId: id, reader: { wecomUserId: 'e2' }, now: new Date() }),
      );

      const detail = await web.get(sent.location ?? '');
      expect(detail.body).toContain(zh('web.broadcast.sendStarted', { count: 4 }));
      expect(detail.body).toMatch(/data-count="recipients">4</);
      expect(detail.body).toMatch(/data-count="delivered">4</);
      expect(detail.body).toMatch(/data-count="read">1（25%）/);
      expect(detail.body).toMatch(
        new RegExp(`id="article-link" href="${bot.baseUrl}/articles/${id}\\?e=\\d+&amp;s=`),
      );
      // Not urgent: no unread list, no reminder button.
      expect(detail.body).not.toContain('id="article-unread"');
      const list = await web.get('/admin/articles?q=%E5%AE%BD%E5%B8%A6%E6%8F%90%E9%80%9F');
      const row = list.body.slice(list.body.indexOf(`data-article="${id}"`));
      expect(row).toMatch(/data-count="recipients">\s*4\s*</);
      expect(row).toMatch(/data-count="delivered">\s*4\s*</);
      expect(row).toMatch(/data-count="read">\s*1（25%）/);
      expect(detail.body).toContain('<dd>预约、规范</dd>');
      expect(detail.body).toContain('<dd>T2A 姓名（T2A）</dd>');
      // English pages write the read rate and lists with English punctuation.
      await web.post('/admin/lang', { _csrf: WebClient.csrf(detail.body), lang: 'en-US' });
      const english = await web.get(sent.location ?? '');
      expect(english.body).toMatch(/data-count="read">1 \(25%\)</);
      expect(english.body).toContain('<dd>预约, 规范</dd>');
      expect(english.body).toContain('<dd>T2A 姓名 (T2A)</dd>'); // the author, with English brackets
      const englishList = await web.get('/admin/articles?q=%E5%AE%BD%E5%B8%A6%E6%8F%90%E9%80%9F');
      expect(englishList.body).toMatch(/data-count="read">\s*1 \(25%\)/);
      await web.post('/admin/lang', { _csrf: WebClient.csrf(english.body), lang: 'zh-CN' });

      const audit = await manager().find(AuditEntry, {
        where: { recordType: 'article', recordId: String(id) },
      });
      expect(audit.map((entry) => entry.action).sort()).toEqual(['article.create', 'article.send']);
      expect(audit.find((entry) => entry.action === 'article.send')).toMatchObject({
        actor: 'T2A',
        after: expect.objectContaining({ status: 'sending', recipients: 4 }),
      });
      // Sent articles are fixed: the edit page leads back to the article.
      expect((await web.get(`/admin/articles/${id}/edit`)).location).toBe(`/admin/articles/${id}`);
    });

    it('shows why a send is refused: nobody reachable, or changed since the confirmation', async () => {
      const web = await signedIn('T2A');
      // A draft may be saved without an audience; it cannot be sent without one.
      const saved = await postForm(
        web,
        '/admin/articles/new',
        '/admin/articles/new',
        articleFields({ departmentIds: [] }),
      );
      const id = idFrom(saved.location);
      const confirm = await web.get(`/admin/articles/${id}/send`);
      expect(confirm.body).toContain(escapeHtml(zh('broadcast.error.audienceMissing')));
      expect(confirm.body).not.toContain('id="article-send"');
      const refused = await web.post(`/admin/articles/${id}/send`, {
        _csrf: WebClient.csrf(confirm.body),
        version: '1',
      });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain(escapeHtml(zh('web.broadcast.notReady')));
      const stale = await web.post(`/admin/articles/${id}/send`, {
        _csrf: WebClient.csrf(confirm.body),
        version: '7',
      });
      expect(stale.status).toBe(409);
      expect(stale.body).toContain(escapeHtml(zh('web.broadcast.conflictAction')));
      expect((await findArticle(manager(), id))?.status).toBe('draft');
    });

    it('schedules at a local date-time, refuses a time already past with the input kept, and cancels', async () => {
      const web = await signedIn('T2A');
      const created = await postForm(web, '/admin/articles/new', '/admin/articles/new', articleFields());
      const id = idFrom(created.location);
      const past = localDateTimeInput(new Date(Date.now() - 3_600_000), TZ);
      const refused = await postForm(
        web,
        `/admin/articles/${id}/edit`,
        `/admin/articles/${id}/edit`,
        articleFields({ version: '1', intent: 'schedule', scheduledAt: past, title: '改过的标题' }),
      );
      expect(refused.status).toBe(400);
      expect(refused.body).toContain(
        `data-field="scheduledAt">${escapeHtml(zh('broadcast.error.scheduledAt'))}`,
      );
      expect(refused.body).toContain(`value="${past}"`);
      expect(refused.body).toContain('value="改过的标题"');
      // Saving and scheduling are one transaction: the refused schedule saved nothing either.
      expect(await findArticle(manager(), id)).toMatchObject({ status: 'draft', version: 1 });

      const when = localDateTimeInput(new Date(Date.now() + 2 * 86_400_000), TZ);
      const scheduled = await postForm(
        web,
        `/admin/articles/${id}/edit`,
        `/admin/articles/${id}/edit`,
        articleFields({ version: '1', intent: 'schedule', scheduledAt: when }),
      );
      expect(scheduled.status).toBe(302);
      expect(scheduled.location).toContain('notice=web.broadcast.scheduledDone');
      const article = await findArticle(manager(), id);
      expect(article?.status).toBe('scheduled');
      expect(article?.scheduledAt?.getTime()).toBe(parseLocalDateTime(when, TZ)?.getTime());
      const detail = await web.get(`/admin/articles/${id}`);
      expect(detail.body).toContain('id="article-scheduled"');
      expect((await web.get(`/admin/articles/${id}/edit`)).body).toContain(`value="${when}"`);

      const cancelled = await web.post(`/admin/articles/${id}/cancel`, {
        _csrf: WebClient.csrf(detail.body),
        version: String(article?.version),
      });
      expect(cancelled.status).toBe(302);
      expect(cancelled.location).toContain('notice=web.broadcast.cancelledDone');
      expect((await findArticle(manager(), id))?.status).toBe('cancelled');
      const again = await web.post(`/admin/articles/${id}/cancel`, {
        _csrf: WebClient.csrf(detail.body),
        version: String((article?.version ?? 0) + 1),
      });
      expect(again.status).toBe(409);
      expect(again.body).toContain(
        escapeHtml(zh('web.broadcast.illegal', { status: zh('broadcast.status.cancelled') })),
      );
      const actions = (
        await manager().find(AuditEntry, { where: { recordType: 'article', recordId: String(id) } })
      ).map((entry) => entry.action);
      expect(actions.sort()).toEqual([
        'article.cancel',
        'article.create',
        'article.schedule',
        'article.update',
      ]);
    });

    it('lists who has not read an urgent alert and reminds only them, at most once in five minutes', async () => {
      const web = await signedIn('T2A');
      const saved = await postForm(
        web,
        '/admin/articles/new',
        '/admin/articles/new',
        articleFields({
          kind: 'outage',
          title: 'IPTV 平台大面积故障',
          intent: 'send',
          smsGroups: ['control-desk'],
        }),
      );
      const id = idFrom(saved.location);
      expect(await findArticle(manager(), id)).toMatchObject({ isUrgent: true, smsGroups: ['control-desk'] });
      const confirm = await web.get(`/admin/articles/${id}/send`);
      expect(
        (await web.post(`/admin/articles/${id}/send`, { _csrf: WebClient.csrf(confirm.body), version: '1' }))
          .status,
      ).toBe(302);
      expect(
        await manager().countBy(OutboxMessage, {
          channel: 'sms',
          recipientKind: 'group',
          recipientRef: 'control-desk',
        }),
      ).toBeGreaterThan(0);
      await eventually(
        async () =>
          (await manager().countBy(ArticleRecipient, { articleId: id, deliveryStatus: 'delivered' })) === 4,
      );
      await inTransaction(bot.running.database.dataSource, (m) =>
        markArticleRead({ manager: m, articleId: id, reader: { wecomUserId: 'e1' }, now: new Date() }),
      );

      const detail = await web.get(`/admin/articles/${id}`);
      const unread = detail.body.slice(detail.body.indexOf('id="article-unread"'));
      expect(unread).toContain(zh('web.broadcast.unread', { count: 3 }));
      for (const key of ['E2', 'E3', 'E4']) expect(unread).toContain(`data-staff="${key}"`);
      expect(unread).not.toContain('data-staff="E1"');
      expect(unread).toContain(people.E3!.phone ?? '');
      expect(unread).toContain('清河片区');
      expect(unread).toContain(zh('broadcast.delivery.delivered'));

      const messagesBefore = wecom.state.messages.length;
      const reminded = await web.post(`/admin/articles/${id}/remind`, { _csrf: WebClient.csrf(detail.body) });
      expect(reminded.status).toBe(302);
      expect(reminded.location).toContain('notice=web.broadcast.remindedDone');
      expect(reminded.location).toContain('count=3');
      const reminderRows = (
        await manager().find(OutboxMessage, {
          where: { recipientKind: 'batch', template: articleReminderTemplate.key },
        })
      ).filter((row) => (row.data as { articleId?: number }).articleId === id);
      expect(reminderRows).toHaveLength(1);
      // One message/send call for the round: recorded per member, all at once.
      const pushed = await eventually(() => {
        const later = wecom.state.messages.slice(messagesBefore);
        return later.length > 0 && later;
      });
      expect(pushed.map((message) => message.touser).sort()).toEqual(['e2', 'e3', 'e4']);
      // remindedAt is set once WeCom has accepted the round's batch.
      const remindedIds = async () =>
        (await manager().findBy(ArticleRecipient, { articleId: id }))
          .filter((row) => row.remindedAt !== null)
          .map((row) => row.staffId)
          .sort((a, b) => a - b);
      const expected = ['E2', 'E3', 'E4'].map((key) => people[key]!.id).sort((a, b) => a - b);
      await eventually(async () => (await remindedIds()).length === expected.length);
      expect(await remindedIds()).toEqual(expected);

      const after = await web.get(reminded.location ?? '');
      expect(after.body).toContain(zh('web.broadcast.remindedDone', { count: 3 }));
      const tooSoon = await web.post(`/admin/articles/${id}/remind`, { _csrf: WebClient.csrf(after.body) });
      expect(tooSoon.status).toBe(429);
      expect(tooSoon.body).toMatch(
        new RegExp(
          escapeHtml(zh('web.broadcast.remindTooSoon', { minutes: 5, time: 'TIME' })).replace('TIME', '.+'),
        ),
      );
      expect(tooSoon.body).toContain('id="article-unread"');
      expect(
        (await manager().find(AuditEntry, { where: { action: 'article.remind', recordId: String(id) } }))
          .length,
      ).toBe(1);
    });

    it('refuses reminders for an article that is not urgent', async () => {
      const web = await signedIn('T2A');
      const created = await postForm(web, '/admin/articles/new', '/admin/articles/new', articleFields());
      const id = idFrom(created.location);
      const page = await web.get(`/admin/articles/${id}`);
      const refused = await web.post(`/admin/articles/${id}/remind`, { _csrf: WebClient.csrf(page.body) });
      expect(refused.status).toBe(409);
      expect(refused.body).toContain(
        escapeHtml(zh('web.broadcast.illegal', { status: zh('broadcast.status.draft') })),
      );
    });
  });

  describe('access', () => {
    it('lets managers read articles and videos without any way to change them, and keeps tier-3 out', async () => {
      const writer = await signedIn('T2A');
      const created = await postForm(
        writer,
        '/admin/articles/new',
        '/admin/articles/new',
        articleFields({ title: '经理可读' }),
      );
      const id = idFrom(created.location);

      const reader = await signedIn('MGR1');
      const list = await reader.get('/admin/articles');
      expect(list.status).toBe(200);
      expect(list.body).toContain('经理可读');
      expect(list.body).not.toContain('href="/admin/articles/new"');
      const detail = await reader.get(`/admin/articles/${id}`);
      expect(detail.status).toBe(200);
      expect(detail.body).not.toContain('id="article-actions"');
      expect((await reader.get(`/admin/articles/${id}/edit`)).status).toBe(403);
      expect((await reader.get('/admin/articles/new')).status).toBe(403);
      expect(
        (
          await reader.post(`/admin/articles/${id}/send`, {
            _csrf: WebClient.csrf(detail.body),
            version: '1',
          })
        ).status,
      ).toBe(403);
      expect((await reader.get('/admin/videos')).status).toBe(200);

      const tier3 = await signedIn('T3A');
      expect((await tier3.get('/admin/articles')).status).toBe(403);
      expect((await tier3.get(`/admin/articles/${id}`)).status).toBe(403);
      expect((await tier3.get('/admin/videos')).status).toBe(403);
      expect((await tier3.get('/admin')).body).not.toContain('href="/admin/articles"');
      expect(list.body).toContain('href="/admin/articles"');
      expect((await new WebClient(bot.baseUrl).signIn('E1', PASSWORD)).status).toBe(401);
    });
  });

  describe('training videos', () => {
    const videoFields = (overrides: Fields = {}): Fields => ({
      title: 'FTTH 三张照片标准',
      description: '光猫、分光箱、入户线各拍一张',
      duration: '5:30',
      url: 'https://video.example.com/ftth-photos',
      isActive: '1',
      ...overrides,
    });
    const order = async () =>
      (await listVideos(manager())).filter((video) => video.isActive).map((video) => video.title);

    it('adds videos, keeps the input on bad length and link, edits, reorders, deactivates and reactivates', async () => {
      const web = await signedIn('ADMIN1');
      const bad = await postForm(
        web,
        '/admin/videos/new',
        '/admin/videos/new',
        videoFields({ duration: '五分钟', url: 'http://video.example.com/plain' }),
      );
      expect(bad.status).toBe(400);
      expect(bad.body).toContain(`data-field="duration">${escapeHtml(zh('broadcast.error.videoDuration'))}`);
      expect(await manager().count(TrainingVideo)).toBe(0);
      expect(bad.body).toContain('value="五分钟"');
      const badUrl = await postForm(
        web,
        '/admin/videos/new',
        '/admin/videos/new',
        videoFields({ url: 'http://video.example.com/plain' }),
      );
      expect(badUrl.status).toBe(400);
      expect(badUrl.body).toContain(`data-field="url">${escapeHtml(zh('broadcast.error.videoUrl'))}`);
      expect(badUrl.body).toContain('value="http://video.example.com/plain"');

      for (const [title, duration] of [
        ['FTTH 三张照片标准', '5:30'],
        ['改约与回访话术', '12:05'],
        ['光功率测试', '1:02:03'],
      ] as const) {
        const created = await postForm(
          web,
          '/admin/videos/new',
          '/admin/videos/new',
          videoFields({ title, duration }),
          {
            name: 'cover.png',
            type: 'image/png',
            data: PNG,
          },
        );
        expect([title, created.status]).toEqual([title, 302]);
      }
      expect(await order()).toEqual(['FTTH 三张照片标准', '改约与回访话术', '光功率测试']);
      const list = await web.get('/admin/videos');
      expect(list.body).toMatch(/data-length>\s*5:30\s*</);
      expect(list.body).toMatch(/data-length>\s*12:05\s*</);
      expect(list.body).toMatch(/data-length>\s*1:02:03\s*</);
      expect(list.body).toContain('href="https://video.example.com/ftth-photos"');

      const [first, second, third] = await listVideos(manager());
      const csrf = WebClient.csrf(list.body);
      expect(
        (await web.post(`/admin/videos/${third!.id}/move`, { _csrf: csrf, direction: 'up' })).status,
      ).toBe(302);
      expect(await order()).toEqual(['FTTH 三张照片标准', '光功率测试', '改约与回访话术']);
      expect(
        (await web.post(`/admin/videos/${first!.id}/move`, { _csrf: csrf, direction: 'down' })).status,
      ).toBe(302);
      expect(await order()).toEqual(['光功率测试', 'FTTH 三张照片标准', '改约与回访话术']);
      // The first one cannot go higher.
      await web.post(`/admin/videos/${third!.id}/move`, { _csrf: csrf, direction: 'up' });
      expect(await order()).toEqual(['光功率测试', 'FTTH 三张照片标准', '改约与回访话术']);

      const current = await manager().findOneByOrFail(TrainingVideo, { id: second!.id });
      const off = await web.post(`/admin/videos/${second!.id}/active`, {
        _csrf: csrf,
        version: String(current.version),
        isActive: '0',
      });
      expect(off.status).toBe(302);
      expect(await order()).toEqual(['光功率测试', 'FTTH 三张照片标准']);
      const deactivated = await manager().findOneByOrFail(TrainingVideo, { id: second!.id });
      expect(deactivated.isActive).toBe(false);
      const on = await web.post(`/admin/videos/${second!.id}/active`, {
        _csrf: csrf,
        version: String(deactivated.version),
        isActive: '1',
      });
      expect(on.status).toBe(302);
      expect((await manager().findOneByOrFail(TrainingVideo, { id: second!.id })).isActive).toBe(true);

      const edited = await manager().findOneByOrFail(TrainingVideo, { id: first!.id });
      const saved = await postForm(
        web,
        `/admin/videos/${first!.id}`,
        `/admin/videos/${first!.id}`,
        videoFields({
          version: String(edited.version),
          title: 'FTTH 三张照片标准（2026 版）',
          duration: '330',
        }),
      );
      expect(saved.status).toBe(302);
      const after = await manager().findOneByOrFail(TrainingVideo, { id: first!.id });
      expect(after).toMatchObject({ title: 'FTTH 三张照片标准（2026 版）', durationSeconds: 330 });
      expect(after.coverKey).toBe(edited.coverKey); // no new file: the cover stays
      const stale = await postForm(
        web,
        `/admin/videos/${first!.id}`,
        `/admin/videos/${first!.id}`,
        videoFields({ version: String(edited.version), title: '过期的修改' }),
      );
      expect(stale.status).toBe(409);
      expect(stale.body).toContain(escapeHtml(zh('web.video.conflict')));
      expect(stale.body).toMatch(/id="video-sent"[\s\S]*过期的修改/);
      expect((await web.get(`/admin/videos/${first!.id}/cover`)).headers.get('content-type')).toBe(
        'image/png',
      );

      const actions = await manager().find(AuditEntry, {
        where: {
          recordType: 'training_video',
          action: In([
            'video.create',
            'video.reorder',
            'video.deactivate',
            'video.reactivate',
            'video.update',
          ]),
        },
      });
      expect(new Set(actions.map((entry) => entry.action))).toEqual(
        new Set(['video.create', 'video.reorder', 'video.deactivate', 'video.reactivate', 'video.update']),
      );
    });
  });
});
