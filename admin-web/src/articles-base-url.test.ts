/**
 * Production without PUBLIC_BASE_URL: article links would point nowhere a phone can reach, so the pages
 * warn the people who send, and a send is refused with that reason and leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inTransaction } from '../../bot/src/db/transaction';
import { setPassword } from '../../bot/src/features/accounts';
import { EMPTY_AUDIENCE, findArticle, saveArticleDraft } from '../../bot/src/features/broadcast';
import { createStaff, type Role } from '../../bot/src/features/staff';
import { t } from '../../bot/src/i18n';
import { OutboxMessage } from '../../bot/src/notifications';
import { createTestDatabase, type TestDatabase } from '../../bot/test/support';
import { WebClient } from '../../bot/test/web';
import { startBot, startFakeWecom, type FakeWecom, type RunningBot } from '../../bot/test/wecom';
import { escapeHtml } from './html';

const PASSWORD = 'correct horse battery';
const WARNING = escapeHtml(t('zh-CN', 'broadcast.error.noPublicBaseUrl'));

describe('article pages without PUBLIC_BASE_URL', () => {
  let database: TestDatabase;
  let wecom: FakeWecom;
  let bot: RunningBot;
  let articleId = 0;

  const manager = () => bot.running.database.dataSource.manager;

  beforeAll(async () => {
    database = await createTestDatabase();
    wecom = await startFakeWecom();
    bot = await startBot({ database, apiBase: wecom.url, wecomApiIsFake: false });
    await inTransaction(bot.running.database.dataSource, async (m) => {
      const add = async (staffNo: string, role: Role, wecomUserId: string | null, index: number) => {
        const staff = await createStaff({
          manager: m,
          staffNo,
          name: `${staffNo} 姓名`,
          role,
          phone: `+8613800000${String(index).padStart(3, '0')}`,
          departmentId: null,
          wecomUserId,
        });
        if (role !== 'engineer') await setPassword({ manager: m, staffId: staff.id, password: PASSWORD });
        return staff;
      };
      const writer = await add('T2A', 'tier2', null, 1);
      await add('MGR1', 'manager', null, 2);
      await add('E1', 'engineer', 'e1', 3);
      const draft = await saveArticleDraft({
        manager: m,
        authorId: writer.id,
        now: new Date(),
        input: {
          kind: 'notice',
          title: '宽带提速通知',
          summary: '本周起提速',
          body: '各位装维同事：本周起宽带提速。',
          coverKey: null,
          tags: [],
          audience: { ...EMPTY_AUDIENCE, everyone: true },
          isUrgent: false,
          smsGroups: [],
          featuredWeek: null,
        },
      });
      articleId = draft.id;
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await wecom?.close();
    await database?.drop();
  });

  const signedIn = (staffNo: string) => WebClient.signedIn(bot.baseUrl, staffNo, PASSWORD);

  it('warns the people who send on the list and the form, and nobody else', async () => {
    const writer = await signedIn('T2A');
    expect((await writer.get('/admin/articles')).body).toContain(WARNING);
    expect((await writer.get('/admin/articles/new')).body).toContain(WARNING);
    const reader = await signedIn('MGR1');
    const list = await reader.get('/admin/articles');
    expect(list.status).toBe(200);
    expect(list.body).not.toContain(WARNING);
  });

  it('refuses a send with the reason and leaves the draft and the outbox untouched', async () => {
    const web = await signedIn('T2A');
    const confirm = await web.get(`/admin/articles/${articleId}/send`);
    const refused = await web.post(`/admin/articles/${articleId}/send`, {
      _csrf: WebClient.csrf(confirm.body),
      version: '1',
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body).toContain(WARNING);
    expect((await findArticle(manager(), articleId))?.status).toBe('draft');
    expect(await manager().count(OutboxMessage, { where: { recipientKind: 'batch' } })).toBe(0);
  });
});
