/**
 * The article page in a real browser (Debian's Chromium via playwright-core) at 375 px as WeCom's in-app
 * browser: the card a member received opens the page through WeCom's OAuth (the development-mode fake
 * WeCom API mounted on the service), the read is recorded, engineer-written HTML and script stay inert
 * (nothing runs, no dialog opens), the cover loads, and a forged link is refused. Screenshots go to
 * test-artifacts/ (ignored by git).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { inTransaction } from '../../bot/src/db/transaction';
import {
  ArticleRecipient,
  EMPTY_AUDIENCE,
  saveArticleDraft,
  sendArticleNow,
} from '../../bot/src/features/broadcast';
import { createStaff, type Staff } from '../../bot/src/features/staff';
import type { RunningFieldline } from '../../bot/src/main';
import { expectFitsScreen, launchChromium, openPhonePage } from '../../bot/test/browser';
import { createTestDatabase, eventually, type TestDatabase } from '../../bot/test/support';
import { startWebService } from '../../bot/test/web-service';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const WECOM_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh';
const BODY = [
  '## 影响范围',
  '',
  '城北片区 <b>全部</b> PON 口，光猫 LOS 灯红。',
  '',
  '<script>window.pwned = true</script>',
  '',
  '<img src="x" onerror="window.pwned = true; alert(1)">',
  '',
  '[查看抢修进度](javascript:window.pwned=true) · [抢修规范](https://example.com/repair)',
  '',
  '1. 暂停城北片区装机预约',
  '2. 已上门的先做用户安抚，记录 LOID',
].join('\n');

describe('the article page in Chromium at 375 px', () => {
  let database: TestDatabase;
  let running: RunningFieldline;
  let base: string;
  let browser: Browser;
  let engineer: Staff;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Development mode (no WECOM_*): the fake WeCom API, OAuth page included, is served by Fieldline itself.
    ({ running, base } = await startWebService(database, (port) => ({ PORT: String(port) })));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await running.stop();
    await database.drop();
  });

  const wecomPage = (): Promise<Page> => openPhonePage(browser, { userAgent: WECOM_UA });

  it('opens the card through WeCom OAuth, records the read, and keeps engineer-written text inert', async () => {
    const cover = await running.services.storage.put(PNG, 'png', 'image/png');
    const article = await inTransaction(running.database.dataSource, async (manager) => {
      const desk = await createStaff({ manager, staffNo: 'T2001', name: '王芳', role: 'tier2' });
      engineer = await createStaff({
        manager,
        staffNo: 'E3001',
        name: '张三',
        role: 'engineer',
        wecomUserId: 'zhangsan',
      });
      const draft = await saveArticleDraft({
        manager,
        input: {
          kind: 'outage',
          title: '城北 OLT 故障 <i>紧急</i>',
          summary: '预计 16:00 恢复',
          body: BODY,
          coverKey: cover.key,
          tags: ['OLT', '断网'],
          audience: { ...EMPTY_AUDIENCE, roles: ['engineer'] },
          isUrgent: true,
          smsGroups: [],
          featuredWeek: null,
        },
        authorId: desk.id,
        now: new Date(),
      });
      return (
        await sendArticleNow({
          manager,
          id: draft.id,
          version: 1,
          now: new Date(),
          links: { baseUrl: base, sessionSecret: undefined },
        })
      ).article;
    });
    const fake = running.services.devWecom;
    if (!fake) throw new Error('development mode should mount the fake WeCom API');
    const card = await eventually(() =>
      fake.messagesFor('zhangsan').find((message) => message.msgtype === 'news'),
    );
    const url = (card.payload as { articles: Array<{ url: string }> }).articles[0]?.url ?? '';
    expect(url.startsWith(`${base}/articles/${article.id}?e=`)).toBe(true);

    fake.oauthUser = 'zhangsan'; // who is signed in to WeCom on this phone
    const page = await wecomPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(url);
    expect(page.url()).toMatch(
      new RegExp(`/articles/${article.id}\\?e=\\d+&s=[\\w-]+&code=\\w+&state=read(#wechat_redirect)?$`),
    );
    expect(await page.textContent('h1')).toBe('城北 OLT 故障 <i>紧急</i>');
    expect(await page.textContent('.markdown')).toContain('<script>window.pwned = true</script>');
    expect(await page.textContent('.markdown ol')).toContain('暂停城北片区装机预约');
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    expect(await page.locator('.markdown img').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await page.getAttribute('a:has-text("抢修规范")', 'href')).toBe('https://example.com/repair');
    const coverWidth = await eventually(() =>
      page.evaluate<number>(`(document.querySelector('.article-cover') || {}).naturalWidth || 0`),
    );
    expect(coverWidth).toBe(1);
    await expectFitsScreen(page, '375-article');
    expect(dialogs).toEqual([]);

    const recipient = await running.database.dataSource.manager.findOneByOrFail(ArticleRecipient, {
      articleId: article.id,
      staffId: engineer.id,
    });
    expect(recipient.readAt).toBeInstanceOf(Date);

    await page.goto(url.replace(/s=(.)/, (_whole, char: string) => `s=${char === 'A' ? 'B' : 'A'}`));
    expect(await page.textContent('#article-refused')).toContain('链接无效');
    await page.close();
  });
});
