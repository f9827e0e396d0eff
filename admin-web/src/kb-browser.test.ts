/**
 * The field handbook in a real browser (Debian's Chromium via playwright-core) at 375 px, WeCom's
 * in-app browser width: writing an entry with a photo, reading it, and opening its share link on a
 * phone without signing in. Screenshots go to test-artifacts/ (ignored by git).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { inTransaction } from '../../bot/src/db/transaction';
import { setPassword } from '../../bot/src/features/accounts';
import { findKbEntry } from '../../bot/src/features/knowledge';
import { createStaff } from '../../bot/src/features/staff';
import { startFieldline, type RunningFieldline } from '../../bot/src/main';
import { createTestDatabase, freePort, testConfig, type TestDatabase } from '../../bot/test/support';
import { databaseEnv } from '../../bot/test/wecom';

const PASSWORD = 'correct horse battery';
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');
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
    mkdirSync(ARTIFACTS, { recursive: true });
    database = await createTestDatabase();
    const port = await freePort();
    running = await startFieldline(testConfig({ SERVICES: 'web', ...databaseEnv(database) }), {
      port,
      host: '127.0.0.1',
    });
    await running.ready;
    base = `http://127.0.0.1:${port}`;
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
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await running.stop();
    await database.drop();
  });

  async function phonePage(): Promise<Page> {
    return browser.newPage({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
  }
  async function fits(page: Page, name: string): Promise<void> {
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect([name, overflow]).toEqual([name, 0]);
    await page.screenshot({ path: path.join(ARTIFACTS, `375-kb-${name}.png`), fullPage: true });
  }
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
    await page.goto(`${base}/admin/login?next=%2Fadmin%2Fkb%2Fnew`);
    await page.fill('input[name=staffNo]', 'T2001');
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([
      page.waitForURL(`${base}/admin/kb/new`),
      page.click('#login-form button[type=submit]'),
    ]);
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
