/**
 * The ratings review on the web: who may see what (a tier-3 person only their own page, and only with
 * enough ratings; managers everyone; nobody the raters), the exports, and — in real Chromium — that the
 * chart is drawn by our own script from ECharts served by this origin, under the unchanged CSP.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Workbook } from 'exceljs';
import type { Browser } from 'playwright-core';
import { inTransaction } from '../../bot/src/db/transaction';
import { setPassword } from '../../bot/src/features/accounts';
import { RatingTask, type RatingSide } from '../../bot/src/features/rating';
import { createStaff, Department, type Role, type Staff } from '../../bot/src/features/staff';
import type { RunningFieldline } from '../../bot/src/main';
import { addLocalDays, localDay, zonedInstant } from '../../bot/src/zoned-time';
import { launchChromium, signInOnPage, TEST_ARTIFACTS } from '../../bot/test/browser';
import { createTestDatabase, type TestDatabase } from '../../bot/test/support';
import { WebClient } from '../../bot/test/web';
import { startWebService } from '../../bot/test/web-service';

const PASSWORD = 'correct horse battery';
const TZ = 'Asia/Shanghai';

/** The little of the browser's globals this test touches (the test code itself runs in Node). */
interface BrowserGlobals {
  echarts?: { getInstanceByDom(element: unknown): unknown };
  document: { getElementById(id: string): { getAttribute(name: string): string | null } | null };
}

describe('ratings review pages', () => {
  let database: TestDatabase;
  let running: RunningFieldline;
  let base: string;
  const people: Record<string, Staff> = {};

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ running, base } = await startWebService(database));
    // Ratings in the last complete month (the only kind a person's own page counts).
    const lastMonth = addLocalDays(`${localDay(new Date(), TZ).slice(0, 7)}-01`, -20);
    await inTransaction(running.database.dataSource, async (manager) => {
      const network = await manager.save(
        manager.create(Department, { name: '网络支撑中心', kind: 'tier3', createdAt: new Date() }),
      );
      const add = async (staffNo: string, name: string, role: Role, extra = {}) => {
        people[staffNo] = await createStaff({
          manager,
          staffNo,
          name,
          role,
          phone: `+86139000${String(Object.keys(people).length).padStart(5, '0')}`,
          ...extra,
        });
        if (role !== 'engineer')
          await setPassword({ manager, staffId: people[staffNo].id, password: PASSWORD });
      };
      await add('T2A', '王芳', 'tier2');
      await add('N1', '孙工', 'tier3', { departmentId: network.id });
      await add('N2', '周工', 'tier3', { departmentId: network.id });
      await add('RATER01', '装维甲', 'engineer');
      await add('RATER02', '装维乙', 'engineer');
      await add('M1', '赵经理', 'manager');
      let ticket = 0;
      const rate = async (rater: string, ratee: string, side: RatingSide, stars: number) => {
        ticket += 1;
        const at = zonedInstant(lastMonth, 600 + ticket, TZ);
        await manager.save(
          manager.create(RatingTask, {
            ticketRef: `TW-${ticket}`,
            ticketId: null,
            importedTicketId: null,
            summary: '光猫注册失败',
            raterStaffId: people[rater]!.id,
            raterSide: 1,
            rateeStaffId: people[ratee]!.id,
            rateeSide: side,
            rateeDepartmentId: people[ratee]!.departmentId,
            status: 'rated',
            stars,
            tags: ['响应快'],
            comment: '评语不给被评人看',
            ticketArchivedAt: at,
            createdAt: at,
            expiresAt: new Date(at.getTime() + 7 * 86_400_000),
            ratedAt: at,
            remindedAt: null,
            version: 1,
          }),
        );
      };
      // N1: three ratings (shown to N1); N2: two (held back).
      await rate('RATER01', 'N1', 3, 5);
      await rate('RATER02', 'N1', 3, 4);
      await rate('RATER01', 'N1', 3, 3);
      await rate('RATER01', 'N2', 3, 5);
      await rate('RATER02', 'N2', 3, 1);
      await rate('RATER01', 'T2A', 2, 4);
    });
  });
  afterAll(async () => {
    await running.stop();
    await database.drop();
  });

  async function signedIn(staffNo: string): Promise<WebClient> {
    const web = new WebClient(base);
    expect((await web.signIn(staffNo, PASSWORD)).status).toBe(302);
    return web;
  }

  it('shows a tier-3 person only their own figures, once there are 3 ratings, never the raters', async () => {
    const n1 = await signedIn('N1');
    expect((await n1.get('/admin/ratings')).status).toBe(403);
    expect((await n1.get(`/admin/ratings/staff/${people.N1!.id}`)).status).toBe(403);
    expect((await n1.get('/admin/ratings/sheet.csv')).status).toBe(403);
    const own = await n1.get('/admin/ratings/me');
    expect(own.status).toBe(200);
    expect(own.body).toContain('data-stat="count">3<');
    expect(own.body).toContain('data-stat="average">4.00<');
    // Staff numbers long enough that a random token on the page (CSRF, nonce) cannot contain them by chance.
    for (const secret of ['装维甲', '装维乙', 'RATER01', 'RATER02', '评语不给被评人看', '周工', '王芳'])
      expect([secret, own.body.includes(secret)]).toEqual([secret, false]);

    const n2 = await signedIn('N2');
    const held = await n2.get('/admin/ratings/me');
    expect(held.body).toContain('id="self-hidden"');
    expect(held.body).not.toContain('data-stat="average"');
    // Managers have no page of their own here (they are not rated), but see everyone.
    const manager = await signedIn('M1');
    expect((await manager.get('/admin/ratings/me')).status).toBe(403);
    const review = await manager.get('/admin/ratings');
    expect(review.body).toContain('孙工（N1）');
    expect(review.body).toContain('周工（N2）');
    expect(review.body).not.toContain('装维甲');
    expect((await manager.get(`/admin/ratings/staff/${people.N2!.id}`)).body).toContain(
      'data-stat="count">2<',
    );
  });

  it('exports the evaluation sheet as CSV and as an Excel workbook', async () => {
    const manager = await signedIn('M1');
    const month = localDay(zonedInstant(`${localDay(new Date(), TZ).slice(0, 7)}-01`, -60, TZ), TZ).slice(
      0,
      7,
    );
    const csv = await manager.get(`/admin/ratings/sheet.csv?month=${month}`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.body).toContain('N1,孙工,网络支撑中心,3,4.00');
    const response = await fetch(`${base}/admin/ratings/sheet.xlsx?month=${month}`, {
      headers: { cookie: [...manager.cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    expect(response.status).toBe(200);
    const workbook = new Workbook();
    const file = Buffer.from(await response.arrayBuffer());
    // exceljs types its Buffer parameter against an older @types/node Buffer.
    await workbook.xlsx.load(file as unknown as Parameters<typeof workbook.xlsx.load>[0]);
    const rows = workbook.getWorksheet(month)?.getSheetValues() ?? [];
    expect(rows.some((row) => Array.isArray(row) && row.includes('N1') && row.includes(3))).toBe(true);
  });

  it('draws the charts in Chromium with ECharts from this origin, under the CSP', async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, locale: 'zh-CN' });
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await signInOnPage(page, base, { staffNo: 'M1', password: PASSWORD });
      await page.goto(`${base}/admin/ratings?side=3`);
      // CSP forbids page.waitForFunction (it evaluates strings): poll with evaluate instead.
      let drawn = false;
      for (let attempt = 0; attempt < 100 && !drawn; attempt += 1) {
        drawn = await page.evaluate(() => {
          const globals = globalThis as unknown as BrowserGlobals;
          const element = globals.document.getElementById('chart-distribution');
          return Boolean(
            element?.getAttribute('data-rendered') === 'true' && globals.echarts?.getInstanceByDom(element),
          );
        });
        if (!drawn) await page.waitForTimeout(100);
      }
      expect(drawn).toBe(true);
      expect(await page.locator('#chart-distribution canvas').count()).toBeGreaterThan(0);
      expect(await page.locator('#chart-trend canvas').count()).toBeGreaterThan(0);
      expect(violations).toEqual([]);
      await page.screenshot({ path: path.join(TEST_ARTIFACTS, 'rating-review.png'), fullPage: true });
    } finally {
      await browser?.close();
    }
  });
});
