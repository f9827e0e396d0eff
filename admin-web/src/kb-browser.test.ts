/**
 * The field handbook in a real browser (Debian's Chromium via playwright-core) at 375 px, WeCom's
 * in-app browser width: writing an entry with a photo, reading it, and opening its share link on a
 * phone without signing in. Screenshots go to test-artifacts/ (ignored by git).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { inTransaction } from '../../bot/src/db/transaction';
import { setPassword } from '../../bot/src/features/accounts';
import { findKbEntry } from '../../bot/src/features/knowledge';
import { createStaff } from '../../bot/src/features/staff';
import type { RunningFieldline } from '../../bot/src/main';
import { expectFitsScreen, launchChromium, openPhonePage, signInOnPage } from '../../bot/test/browser';
import { createTestDatabase, type TestDatabase } from '../../bot/test/support';
import { startWebService } from '../../bot/test/web-service';

const PASSWORD = 'correct horse battery';
/** A real 1×1 PNG, so the browser can decode what the server sends back. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const BODY = [
  '## 标准',
  '| 指标 | 正常范围 | 说明 |',
  '| --- | --- | --- |',
  '| 接收光功率 | -8 至 -27 dBm | 建议优于 -24 dBm，留出余量，避免雨季和老化后掉线 |',
  '',
  '## 处理步骤',
  '1. 在光猫尾纤处测接收光功率',
  '2. 清洁连接头端面后插紧复测',
  '',
  '参考：https://docs.example.com/ftth/optical-power/measurement-procedure-for-field-engineers-very-long-address',
].join('\n');

describe('field handbook in Chromium at 375 px', () => {
  let database: TestDatabase;
  let running: RunningFieldline;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ running, base } = await startWebService(database));
    await inTransaction(running.database.dataSource, async (manager) => {
      const desk = await createStaff({
        manager,
        staffNo: 'T2001',
        name: '王芳',
        role: 'tier2',
        phone: '+8613800000002',
      });
      await setPassword({ manager, staffId: desk.id, password: PASSWORD });
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await running.stop();
    await database.drop();
  });

  const phonePage = () => openPhonePage(browser);
  const fits = (page: Page, name: string) => expectFitsScreen(page, `375-kb-${name}`);
  /** The image's natural width once it has loaded (0 if it never does): lazy images load after the page. */
  const imageWidth = async (page: Page, selector: string) => {
    const read = () =>
      page.evaluate<number>(`(document.querySelector(${JSON.stringify(selector)}) || {}).naturalWidth || 0`);
    for (let tries = 0; tries < 100; tries += 1) {
      const width = await read();
      if (width > 0) return width;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return read();
  };

  it('writes an entry with a photo, reads it, and opens its share link without signing in', async () => {
    const page = await phonePage();
    await signInOnPage(page, base, { staffNo: 'T2001', password: PASSWORD, next: '/admin/kb/new' });
    await fits(page, 'new');
    await page.fill('#kb-form input[name=title]', '光功率过低');
    await page.fill('#kb-form input[name=tags]', '光功率, 光衰');
    await page.fill('#kb-form textarea[name=body]', BODY);
    await page.setInputFiles('#kb-form input[name=photos]', {
      name: 'meter.png',
      mimeType: 'image/png',
      buffer: PNG,
    });
    await Promise.all([
      page.waitForURL(/\/admin\/kb\/\d+\?notice=/),
      page.click('#kb-form button[type=submit]'),
    ]);
    const id = Number(/\/admin\/kb\/(\d+)/.exec(page.url())?.[1]);
    expect((await findKbEntry(running.database.dataSource.manager, id))?.photos).toHaveLength(1);
    expect(await page.textContent('.markdown table')).toContain('-8 至 -27 dBm');
    expect(await imageWidth(page, '#kb-entry .photos img')).toBe(1);
    await fits(page, 'entry');

    await page.goto(`${base}/admin/kb?q=${encodeURIComponent('光功率 过低')}`);
    expect(await page.textContent('.kb-list')).toContain('光功率过低');
    await fits(page, 'search');
    await page.goto(`${base}/admin/kb/${id}/edit`);
    await fits(page, 'edit');

    await page.goto(`${base}/admin/kb/${id}`);
    const share = (await page.getAttribute('#kb-share', 'href')) ?? '';
    expect(share.startsWith(`${base}/kb/${id}?e=`)).toBe(true);
    const phone = await phonePage(); // no session: what an engineer's phone sees
    await phone.goto(share);
    expect(await phone.textContent('h1')).toBe('光功率过低');
    expect(await imageWidth(phone, '#kb-entry .photos img')).toBe(1);
    await fits(phone, 'public');
    await phone.goto(share.replace(/s=(.)/, (_whole, char: string) => `s=${char === 'A' ? 'B' : 'A'}`));
    expect(await phone.textContent('#kb-refused')).toContain('链接无效');
    await phone.close();
    await page.close();
  });
});
