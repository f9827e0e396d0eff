/**
 * Writing and sending a notice in a real browser (Debian's Chromium via playwright-core) at 375 px, WeCom's
 * in-app browser width: the desk fills in the form, previews it (the server renders the Markdown; a
 * script in the body never runs), sends it after the confirmation page, and sees it delivered by the
 * app's own outbox relay to the fake WeCom API. Screenshots go to test-artifacts/ (ignored by git).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { inTransaction } from '../../bot/src/db/transaction';
import { setPassword } from '../../bot/src/features/accounts';
import { ArticleRecipient, findArticle } from '../../bot/src/features/broadcast';
import { putSetting } from '../../bot/src/features/settings';
import { createStaff, Department } from '../../bot/src/features/staff';
import { quietHoursSetting } from '../../bot/src/notifications';
import { expectFitsScreen, launchChromium, openPhonePage, signInOnPage } from '../../bot/test/browser';
import { createTestDatabase, eventually, type TestDatabase } from '../../bot/test/support';
import { startBot, startFakeWecom, type FakeWecom, type RunningBot } from '../../bot/test/wecom';

const PASSWORD = 'correct horse battery';
const BODY = [
  '## 割接安排',
  '| 片区 | 时间 | 影响 |',
  '| --- | --- | --- |',
  '| 清河 | 今晚 23:00–02:00 | 宽带、IPTV 中断约 30 分钟 |',
  '',
  '<script>window.pwned = 1</script>',
  '',
  '[详情](javascript:window.pwned=2)',
].join('\n');

describe('articles in Chromium at 375 px', () => {
  let database: TestDatabase;
  let wecom: FakeWecom;
  let bot: RunningBot;
  let browser: Browser;
  let areaId = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    wecom = await startFakeWecom();
    bot = await startBot({ database, apiBase: wecom.url });
    await inTransaction(bot.running.database.dataSource, async (manager) => {
      const area = await manager.save(
        manager.create(Department, { name: '清河片区', kind: 'area', createdAt: new Date() }),
      );
      areaId = area.id;
      const desk = await createStaff({
        manager,
        staffNo: 'T2001',
        name: '王芳',
        role: 'tier2',
        phone: '+8613800000002',
      });
      await setPassword({ manager, staffId: desk.id, password: PASSWORD });
      for (const n of [1, 2, 3])
        await createStaff({
          manager,
          staffNo: `E10${n}`,
          name: `装维${n}`,
          role: 'engineer',
          phone: `+861390000000${n}`,
          departmentId: area.id,
          wecomUserId: `e10${n}`,
        });
      // Delivery must not wait for the morning whenever this test happens to run.
      await putSetting({
        manager,
        definition: quietHoursSetting,
        value: { enabled: false, start: '22:00', end: '07:00' },
        actor: 'test',
      });
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await bot?.stop();
    await wecom?.close();
    await database?.drop();
  });

  const fits = (page: Page, name: string) => expectFitsScreen(page, `375-article-${name}`);

  it('writes a notice, previews it inertly, and sends it after the confirmation', async () => {
    const page = await openPhonePage(browser);
    await signInOnPage(page, bot.baseUrl, {
      staffNo: 'T2001',
      password: PASSWORD,
      next: '/admin/articles/new',
    });
    await fits(page, 'new');
    await page.selectOption('#article-form select[name=kind]', 'notice');
    await page.fill('#article-form input[name=title]', '清河片区今晚割接');
    await page.fill('#article-form textarea[name=summary]', '今晚 23:00 起宽带、IPTV 短时中断');
    await page.fill('#article-form textarea[name=body]', BODY);
    await page.fill('#article-form input[name=tags]', '割接, 清河');
    await page.selectOption('#article-form select[name=departmentIds]', [String(areaId)]);

    await Promise.all([page.waitForLoadState('load'), page.click('#article-form button[value=preview]')]);
    await page.waitForSelector('#article-preview table');
    expect(await page.textContent('#article-preview table')).toContain('宽带、IPTV 中断约 30 分钟');
    expect(await page.textContent('#article-preview')).toContain('<script>window.pwned = 1</script>');
    expect(await page.$$('#article-preview a[href^="javascript"]')).toHaveLength(0);
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    // Everything typed is still in the form after the preview.
    expect(await page.inputValue('#article-form input[name=title]')).toBe('清河片区今晚割接');
    expect(await page.inputValue('#article-form textarea[name=body]')).toBe(BODY);
    expect(
      await page.$$eval('#article-form select[name=departmentIds] option:checked', (options) =>
        options.map((option) => (option as unknown as { value: string }).value),
      ),
    ).toEqual([String(areaId)]);
    await fits(page, 'preview');

    await Promise.all([
      page.waitForURL(/\/admin\/articles\/\d+\/send$/),
      page.click('#article-form button[value=send]'),
    ]);
    const id = Number(/\/admin\/articles\/(\d+)\/send/.exec(page.url())?.[1]);
    expect((await page.textContent('#article-reach'))?.trim()).toBe('3');
    expect((await findArticle(bot.running.database.dataSource.manager, id))?.status).toBe('draft');
    await fits(page, 'confirm');

    await Promise.all([
      page.waitForURL(new RegExp(`/admin/articles/${id}\\?notice=`)),
      page.click('#article-send button[type=submit]'),
    ]);
    expect(await page.textContent('.notice.ok')).toContain('3');
    const manager = bot.running.database.dataSource.manager;
    await eventually(
      async () =>
        (await manager.countBy(ArticleRecipient, { articleId: id, deliveryStatus: 'delivered' })) === 3,
    );
    expect(wecom.state.messages.map((message) => message.touser).sort()).toEqual(['e101', 'e102', 'e103']);
    // The counts on the page come from the database: reload until the relay's work shows.
    for (let tries = 0; tries < 40; tries += 1) {
      await page.reload();
      if ((await page.textContent('[data-count="delivered"]'))?.trim() === '3') break;
    }
    expect((await page.textContent('[data-count="delivered"]'))?.trim()).toBe('3');
    expect(await page.getAttribute('#article-link', 'href')).toMatch(
      new RegExp(`^${bot.baseUrl}/articles/${id}\\?e=\\d+&s=`),
    );
    expect(await page.textContent('#article-body .markdown table')).toContain('今晚 23:00–02:00');
    await fits(page, 'detail');
    await page.close();
  });
});
