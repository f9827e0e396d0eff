/**
 * The back office in a real browser: Debian's Chromium driven by playwright-core (no browser download).
 * Screenshots go to test-artifacts/ (ignored by git).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { inTransaction } from '../../bot/src/db/transaction';
import { setPassword } from '../../bot/src/features/accounts';
import { submitReport } from '../../bot/src/features/report';
import { submitTicket } from '../../bot/src/features/ticket';
import { CompletionRequest, submitCompletion } from '../../bot/src/features/completion';
import { createStaff, ensureDutyGroup, setGroupMembership, Staff } from '../../bot/src/features/staff';
import type { RunningFieldline } from '../../bot/src/main';
import { OutboxMessage } from '../../bot/src/notifications';
import { expectFitsScreen, launchChromium, signInOnPage, TEST_ARTIFACTS } from '../../bot/test/browser';
import { createTestDatabase, eventually, type TestDatabase } from '../../bot/test/support';
import { startWebService } from '../../bot/test/web-service';

const PASSWORD = 'correct horse battery';

/** The little of the browser's globals these tests touch (the test code itself runs in Node). */
interface BrowserGlobals {
  marker?: number;
  document: {
    querySelector(selector: string): { textContent: string | null } | null;
    documentElement: { scrollWidth: number; clientWidth: number };
  };
}

describe('admin web in Chromium', () => {
  let database: TestDatabase;
  let running: RunningFieldline;
  let base: string;
  let browser: Browser;
  let admin: Staff;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ running, base } = await startWebService(database));
    await inTransaction(running.database.dataSource, async (manager) => {
      admin = await createStaff({
        manager,
        staffNo: 'ADMIN1',
        name: '系统管理员',
        role: 'admin',
        phone: '+8613800000001',
      });
      await setPassword({ manager, staffId: admin.id, password: PASSWORD });
      const desk = await createStaff({
        manager,
        staffNo: 'T2001',
        name: '王芳',
        role: 'tier2',
        phone: '+8613800000002',
      });
      await setPassword({ manager, staffId: desk.id, password: PASSWORD });
      const group = await ensureDutyGroup({ manager, key: 'control-desk', name: '1183301 管控' });
      await setGroupMembership({
        manager,
        groupId: group.id,
        staffId: desk.id,
        isOnDuty: false,
        actor: 'test',
      });
      await setGroupMembership({
        manager,
        groupId: group.id,
        staffId: admin.id,
        isOnDuty: true,
        actor: 'test',
      });
      const victim = await createStaff({
        manager,
        staffNo: 'LOCK1',
        name: '锁定',
        role: 'tier2',
        phone: '+8613800000003',
      });
      await setPassword({ manager, staffId: victim.id, password: PASSWORD });
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await running.stop();
    await database.drop();
  });

  async function signIn(staffNo: string, options: { width?: number } = {}): Promise<Page> {
    const page = await browser.newPage({
      viewport: { width: options.width ?? 1200, height: 800 },
      locale: 'zh-CN',
    });
    await signInOnPage(page, base, { staffNo, password: PASSWORD });
    return page;
  }

  it('signs in and shows the home page with the person’s queues', async () => {
    const page = await signIn('ADMIN1');
    await expect(page.locator('h1').textContent()).resolves.toBe('工作台');
    await expect(page.locator('main p').first().textContent()).resolves.toContain(
      '系统管理员，您好（系统管理员）',
    );
    await expect(page.locator('[data-queue="notifications.dead"]').textContent()).resolves.toBe('0');
    await page.close();
  });

  it('locks the account after 5 wrong passwords', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    for (let i = 0; i < 5; i += 1) {
      await page.goto(`${base}/admin/login`);
      await page.fill('input[name=staffNo]', 'LOCK1');
      await page.fill('input[name=password]', `wrong password ${i}`);
      await page.click('#login-form button[type=submit]');
      await expect(page.locator('.notice.error').textContent()).resolves.toBe('工号或密码不正确。');
    }
    await page.goto(`${base}/admin/login`);
    await page.fill('input[name=staffNo]', 'LOCK1');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('#login-form button[type=submit]');
    await expect(page.locator('.notice.error').textContent()).resolves.toMatch(/账号已锁定/);
    await page.close();
  });

  it('imports a roster with an error row: shows the row, imports nothing', async () => {
    const page = await signIn('ADMIN1');
    await page.goto(`${base}/admin/roster`);
    const csv = [
      'staff_no,name,phone,role,department,groups',
      'E5001,张三,13800005001,engineer,清江浦,',
      'E5002,李四,12345,engineer,,',
    ].join('\n');
    await page.setInputFiles('#import-form input[type=file]', {
      name: 'roster.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.click('#import-form button[type=submit]');
    await expect(page.locator('#import-errors li').allTextContents()).resolves.toEqual([
      '第 3 行: 手机号“12345”不正确（11 位手机号或 +国家码号码）',
    ]);
    expect(await running.database.dataSource.manager.existsBy(Staff, { staffNo: 'E5001' })).toBe(false);

    await page.setInputFiles('#import-form input[type=file]', {
      name: 'roster.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.check('#import-form input[name=skipInvalid]');
    await page.click('#import-form button[type=submit]');
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe(
      '已导入 1 行：新增 1，更新 0，未变 0。',
    );
    await expect(page.locator('#roster').textContent()).resolves.toContain('E5001');
    await page.close();
  });

  it('switches a desk member on duty and shows who changed it', async () => {
    const page = await signIn('T2001');
    await page.goto(`${base}/admin/duty`);
    const row = page.locator('#group-control-desk li[data-staff="T2001"]');
    await expect(row.locator('.state').textContent()).resolves.toBe('离岗');
    await expect(row.locator('button').count()).resolves.toBe(1);
    await expect(page.locator('#group-control-desk li[data-staff="ADMIN1"] button').count()).resolves.toBe(0);
    await Promise.all([page.waitForURL(/\/admin\/duty/), row.locator('button').click()]);
    await expect(
      page.locator('#group-control-desk li[data-staff="T2001"] .state').textContent(),
    ).resolves.toBe('在岗');
    await expect(
      page.locator('#group-control-desk li[data-staff="T2001"] small').textContent(),
    ).resolves.toMatch(/^T2001 于 .+ 修改$/);
    await page.close();
  });

  it('updates a queue count live, without a reload', async () => {
    const page = await signIn('ADMIN1');
    const count = page.locator('[data-queue="notifications.dead"]');
    await expect(count.textContent()).resolves.toBe('0');
    const marker = await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    await running.database.dataSource.manager.insert(OutboxMessage, {
      channel: 'sms',
      recipientKind: 'staff',
      recipientRef: String(admin.id),
      template: 'staff.bindingCode',
      data: { code: '123456' },
      dedupeKey: 'browser-live-1',
      urgency: 'normal',
      status: 'dead',
      attempts: 8,
      nextAttemptAt: new Date(),
      isOnDuty: false,
      lastError: 'gave up',
      createdAt: new Date(),
    });
    // (waitForFunction evaluates strings, which this page's CSP rightly forbids; a locator does not.)
    await count.filter({ hasText: /^1$/ }).waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).marker)).toBe(marker); // same page, no reload
    await page.close();
  });

  it('switches the language to English and back', async () => {
    const page = await signIn('ADMIN1');
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('#lang-switch')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Home');
    await expect(page.locator('nav.nav').textContent()).resolves.toContain('Staff');
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('#lang-switch')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('工作台');
    await page.close();
  });

  it('closes a hazard from its queue: photo shown, resolution chosen, status and timeline updated', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const report = await inTransaction(running.database.dataSource, async (manager) => {
      const engineer = await createStaff({
        manager,
        staffNo: 'E7001',
        name: '钱工',
        role: 'engineer',
        phone: '+8613800007001',
      });
      const photo = await running.services.storage.put(png, 'png', 'image/png');
      return submitReport({
        manager,
        reporter: engineer,
        kind: 'hazard',
        category: '杆路',
        description: '电杆倾斜',
        photos: [photo.key],
        location: { latitude: 33.61, longitude: 119.02, text: '淮海路 12 号' },
        timeZone: 'Asia/Shanghai',
        now: new Date(),
      });
    });
    const page = await signIn('T2001');
    await page.goto(`${base}/admin/hazards`);
    await Promise.all([page.waitForURL(/\/admin\/reports\/\d+$/), page.click(`text=${report.refNo}`)]);
    const image = page.locator('.photos img').first();
    await image.waitFor();
    // Loaded, not just in the page (the thumbnail loads lazily after the page).
    const width = await eventually(() =>
      image.evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth),
    );
    expect(width).toBe(1);
    await page.selectOption('#close-form select[name=resolution]', 'not-a-hazard');
    await page.fill('#close-form textarea[name=note]', '现场核实为临时拉线，已拆除');
    await Promise.all([page.waitForURL(/notice=web\.saved/), page.click('#close-form button[type=submit]')]);
    await expect(page.locator('#report-status').textContent()).resolves.toContain('已办结');
    await expect(page.locator('#report-resolution').textContent()).resolves.toContain('经核实不属于隐患');
    await expect(page.locator('#timeline li').last().textContent()).resolves.toContain('现场核实为临时拉线');
    await expect(page.locator('#reopen-form').count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(TEST_ARTIFACTS, 'report-closed.png'), fullPage: true });
    await page.close();
  });

  it('claims a question and answers it with a canned reply; the answer is queued for the engineer', async () => {
    const ticket = await inTransaction(running.database.dataSource, async (manager) => {
      const engineer = await createStaff({
        manager,
        staffNo: 'E7002',
        name: '孙工',
        role: 'engineer',
        phone: '+8613800007002',
        wecomUserId: 'sungong',
      });
      return submitTicket({
        manager,
        reporter: engineer,
        kind: 'question',
        question: '光猫 LOID 注册失败，PON 灯闪烁',
        orderNo: '2026113000999',
        photos: [],
        location: { latitude: null, longitude: null, text: null },
        timeZone: 'Asia/Shanghai',
        now: new Date(),
      });
    });
    const page = await signIn('T2001');
    await page.goto(`${base}/admin/tickets?queue=new`);
    await Promise.all([page.waitForURL(/\/admin\/tickets\/\d+$/), page.click(`text=${ticket.refNo}`)]);
    await expect(page.locator('#ticket-order').textContent()).resolves.toBe('2026113000999');
    await Promise.all([page.waitForURL(/notice=web\.saved/), page.click('#claim-form button')]);
    await expect(page.locator('#ticket-assignee').textContent()).resolves.toContain('王芳');
    await page.selectOption('#reply-form select[name=canned]', '1');
    await page.fill('#reply-form textarea[name=body]', '注册后请等待 3 分钟');
    await Promise.all([page.waitForURL(/notice=web\.saved/), page.click('#reply-form button[type=submit]')]);
    await expect(page.locator('#thread li[data-type="reply"] .note').textContent()).resolves.toBe(
      '请核对 LOID 与工单一致后重新注册。\n注册后请等待 3 分钟',
    );
    const push = await running.database.dataSource.manager.findOneByOrFail(OutboxMessage, {
      template: 'ticket.update',
      recipientRef: String(ticket.reporterId),
    });
    expect(push.data).toMatchObject({ event: 'reply', refNo: ticket.refNo });
    await page.close();
  });

  it('claims an offline completion request and completes it; the engineer’s push is queued', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const request = await inTransaction(running.database.dataSource, async (manager) => {
      const engineer = await createStaff({
        manager,
        staffNo: 'E7003',
        name: '周工',
        role: 'engineer',
        phone: '+8613800007003',
        wecomUserId: 'zhougong',
      });
      const photo = await running.services.storage.put(png, 'png', 'image/png');
      return submitCompletion({
        manager,
        reporter: engineer,
        orderNo: '2026113000888',
        businessType: '修障',
        photos: [
          { item: '处理后的设备', key: photo.key },
          { item: '光功率计读数', key: photo.key },
        ],
        serials: [],
        opticalPowerDbm: -20.5,
        remarks: '用户在家',
        timeZone: 'Asia/Shanghai',
        now: new Date(),
      });
    });
    const page = await signIn('T2001');
    await page.goto(`${base}/admin/completions`);
    await Promise.all([page.waitForURL(/\/admin\/completions\/\d+$/), page.click(`text=${request.refNo}`)]);
    await expect(page.locator('#completion-photos figcaption').allTextContents()).resolves.toEqual([
      '处理后的设备',
      '光功率计读数',
    ]);
    await expect(page.locator('#completion-power').textContent()).resolves.toContain('-20.5 dBm');
    await Promise.all([page.waitForURL(/notice=web\.saved/), page.click('#claim-form button')]);
    await expect(page.locator('#completion-assignee').textContent()).resolves.toContain('王芳');
    await page.fill('#complete-form textarea[name=note]', '已在系统中报竣');
    await Promise.all([
      page.waitForURL(/notice=web\.saved/),
      page.click('#complete-form button[type=submit]'),
    ]);
    await expect(page.locator('#completion-status').textContent()).resolves.toContain('已报竣');
    await expect(page.locator('#timeline li').last().textContent()).resolves.toContain('已在系统中报竣');
    await page.screenshot({ path: path.join(TEST_ARTIFACTS, 'completion-completed.png'), fullPage: true });
    const done = await running.database.dataSource.manager.findOneByOrFail(CompletionRequest, {
      id: request.id,
    });
    expect(done).toMatchObject({ status: 'completed', openOrderNo: null });
    const push = await running.database.dataSource.manager.findOneByOrFail(OutboxMessage, {
      template: 'completion.result',
      recipientRef: String(request.reporterId),
    });
    expect(push.data).toMatchObject({ outcome: 'completed', refNo: request.refNo });
    await page.close();
  });

  it('fits a 375-px phone screen with nothing cut off', async () => {
    const page = await signIn('ADMIN1', { width: 375 });
    for (const pathName of ['/admin', '/admin/roster', '/admin/duty', '/admin/outbox', '/admin/audit']) {
      await page.goto(`${base}${pathName}`);
      await expectFitsScreen(page, `375${pathName.replaceAll('/', '-')}`);
    }
    await page.close();
  });
});
