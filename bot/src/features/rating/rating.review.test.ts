/**
 * The managers' review against hand-computed figures: aggregates per person and department, filters, the
 * anonymity rules of a person's own view, the evaluation sheet (score, CSV, XLSX read back with exceljs),
 * and the monthly email job with a fixed `now` — on China's first working day, once per manager, the mail
 * with its CSV attachment captured at a real SMTP server.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Workbook } from 'exceljs';
import { inTransaction } from '../../db/transaction';
import { OutboxRelay } from '../../notifications';
import { EmailChannel } from '../../notifications/channels/email';
import { OutboxMessage } from '../../notifications/outbox.entity';
import { decodeHeader, startFakeSmtp, type FakeSmtp } from '../../../test/fakes/smtp';
import { silentLogger, useTestDatabase } from '../../../test/support';
import { putSetting } from '../settings';
import { createStaff, Department, parseCsv, type Role, type Staff } from '../staff';
import { ImportedTicket } from './imported-ticket.entity';
import { RatingTask, type RatingSide, type RatingTaskStatus } from './rating-task.entity';
import { t } from '../../i18n';
import { createRatingFlow } from './rating.flow';
import { ownRatingSummary, ratingReview, ratingReviewCsv } from './rating.review';
import { firstWorkingDay, ratingSheetMailJob } from './rating.review.job';
import { sheetWeightsSetting } from './rating.review.settings';
import { evaluationSheet, sheetCsv, sheetWorkbook } from './rating.sheet';

const TZ = 'Asia/Shanghai';
const bj = (local: string) => new Date(`${local}+08:00`);
const SEPTEMBER = { from: bj('2026-09-01T00:00:00'), to: bj('2026-10-01T00:00:00') };
const OCTOBER_8 = bj('2026-10-08T09:00:00');

describe('the managers’ review of ratings', () => {
  const db = useTestDatabase();
  const people: Record<string, Staff> = {};
  let network: Department;
  let smtp: FakeSmtp;

  beforeAll(async () => {
    smtp = await startFakeSmtp();
    await inTransaction(db().dataSource, async (manager) => {
      network = await manager.save(
        manager.create(Department, { name: '网络支撑中心', kind: 'tier3', createdAt: new Date() }),
      );
      const add = async (staffNo: string, name: string, role: Role, extra = {}) => {
        people[staffNo] = await createStaff({
          manager,
          staffNo,
          name,
          role,
          phone: `+86138000${String(Object.keys(people).length).padStart(5, '0')}`,
          ...extra,
        });
      };
      await add('T2A', '王芳', 'tier2');
      await add('N1', '孙工', 'tier3', { departmentId: network.id });
      await add('N2', '周工', 'tier3', { departmentId: network.id });
      await add('E1', '王强', 'engineer');
      await add('E2', '李明', 'engineer');
      await add('E3', '张伟', 'engineer');
      await add('M1', '赵经理', 'manager', { email: 'zhao@fieldline.test' });
      await add('M2', '钱经理', 'manager');

      let ticket = 0;
      const task = async (props: {
        rater: string;
        raterSide: RatingSide;
        ratee: string;
        rateeSide: RatingSide;
        archived: string;
        status: RatingTaskStatus;
        stars?: number;
        tags?: string[];
        expires?: string;
      }) => {
        ticket += 1;
        const archivedAt = bj(props.archived);
        await manager.save(
          manager.create(RatingTask, {
            ticketRef: `TW-${ticket}`,
            ticketId: null,
            importedTicketId: null,
            summary: '光猫注册失败',
            raterStaffId: people[props.rater]!.id,
            raterSide: props.raterSide,
            rateeStaffId: people[props.ratee]!.id,
            rateeSide: props.rateeSide,
            rateeDepartmentId: people[props.ratee]!.departmentId,
            status: props.status,
            stars: props.stars ?? null,
            tags: props.tags ?? [],
            comment: props.status === 'rated' ? '很好' : null,
            ticketArchivedAt: archivedAt,
            createdAt: archivedAt,
            expiresAt: props.expires ? bj(props.expires) : new Date(archivedAt.getTime() + 7 * 86_400_000),
            ratedAt: props.status === 'rated' ? archivedAt : null,
            remindedAt: null,
            version: 1,
          }),
        );
      };
      // T2A, rated as the desk: 5, 4, 3 stars; one pending past its expiry, one expired, one still open.
      const desk = { ratee: 'T2A', rateeSide: 2 as const, raterSide: 1 as const };
      await task({
        ...desk,
        rater: 'E1',
        archived: '2026-09-02T10:00:00',
        status: 'rated',
        stars: 5,
        tags: ['响应快', '专业'],
      });
      await task({
        ...desk,
        rater: 'E2',
        archived: '2026-09-09T10:00:00',
        status: 'rated',
        stars: 4,
        tags: ['响应快'],
      });
      await task({
        ...desk,
        rater: 'E3',
        archived: '2026-09-16T10:00:00',
        status: 'rated',
        stars: 3,
        tags: ['响应快', '专业'],
      });
      await task({
        ...desk,
        rater: 'E1',
        archived: '2026-09-13T10:00:00',
        status: 'pending',
        expires: '2026-09-20T10:00:00',
      });
      await task({ ...desk, rater: 'E2', archived: '2026-09-14T10:00:00', status: 'expired' });
      await task({
        ...desk,
        rater: 'E3',
        archived: '2026-09-30T10:00:00',
        status: 'pending',
        expires: '2026-10-30T10:00:00',
      });
      // Outside September: not in the period, and a month of its own in the person's view.
      await task({ ...desk, rater: 'E1', archived: '2026-08-20T10:00:00', status: 'rated', stars: 1 });
      // N1 (tier 3, network): rated by the desk (2) and by an engineer (4).
      await task({
        rater: 'T2A',
        raterSide: 2,
        ratee: 'N1',
        rateeSide: 3,
        archived: '2026-09-03T10:00:00',
        status: 'rated',
        stars: 2,
        tags: ['慢'],
      });
      await task({
        rater: 'E1',
        raterSide: 1,
        ratee: 'N1',
        rateeSide: 3,
        archived: '2026-09-10T10:00:00',
        status: 'rated',
        stars: 4,
      });
      // The desk rates engineers: one given, one owed and past its expiry.
      await task({
        rater: 'T2A',
        raterSide: 2,
        ratee: 'E1',
        rateeSide: 1,
        archived: '2026-09-11T10:00:00',
        status: 'pending',
        expires: '2026-09-25T10:00:00',
      });
      await task({
        rater: 'T2A',
        raterSide: 2,
        ratee: 'E2',
        rateeSide: 1,
        archived: '2026-09-12T10:00:00',
        status: 'rated',
        stars: 5,
      });
      // N2: three ratings, but in the running month (October).
      for (const [day, stars] of [
        ['02', 5],
        ['03', 4],
        ['05', 5],
      ] as const)
        await task({
          rater: 'E1',
          raterSide: 1,
          ratee: 'N2',
          rateeSide: 3,
          archived: `2026-10-${day}T10:00:00`,
          status: 'rated',
          stars,
        });

      const imported = (ticketNo: string, archived: string, tier2: string | null, tier3: string | null) =>
        manager.save(
          manager.create(ImportedTicket, {
            ticketNo,
            kind: 'question',
            engineerId: people.E1!.id,
            tier2Id: tier2 === null ? null : people[tier2]!.id,
            tier3Id: tier3 === null ? null : people[tier3]!.id,
            summary: '热线工单',
            archivedAt: bj(archived),
            importedAt: new Date(),
          }),
        );
      await imported('H-1', '2026-09-05T12:00:00', 'T2A', 'N1');
      await imported('H-2', '2026-09-06T12:00:00', 'T2A', null);
      await imported('H-3', '2026-08-06T12:00:00', 'T2A', 'N1');
    });
  });
  afterAll(async () => {
    await smtp.close();
  });

  const manager = () => db().dataSource.manager;
  const september = (extra = {}) =>
    ratingReview(manager(), { ...SEPTEMBER, now: OCTOBER_8, timeZone: TZ, granularity: 'month', ...extra });

  it('aggregates per person: average, count, distribution, response rate, trend and tags', async () => {
    const review = await september();
    const desk = review.people.find((row) => row.staffId === people.T2A!.id)?.aggregate;
    expect(desk).toEqual({
      count: 3,
      average: 4,
      distribution: [0, 0, 1, 1, 1],
      // rated 3 + expired 1 + pending past expiry 1; the one still open is not due.
      due: 5,
      responseRate: 0.6,
      topTags: [
        ['响应快', 3],
        ['专业', 2],
      ],
      trend: [{ period: '2026-09', count: 3, average: 4 }],
    });
    const weekly = await september({ granularity: 'week', rateeStaffId: people.T2A!.id });
    expect(weekly.overall.trend).toEqual([
      { period: '2026-W36', count: 1, average: 5 },
      { period: '2026-W37', count: 1, average: 4 },
      { period: '2026-W38', count: 1, average: 3 },
    ]);
    // Everyone in September: stars 5, 4, 3, 2, 4, 5; due 5 (T2A) + 2 (N1) + 2 (engineers).
    expect(review.overall.count).toBe(6);
    expect(review.overall.average).toBeCloseTo(23 / 6, 10);
    expect(review.overall.due).toBe(9);
    expect(review.overall.responseRate).toBeCloseTo(6 / 9, 10);
    expect(review.people.map((row) => [row.staffId, row.aggregate.count])).toEqual([
      [people.T2A!.id, 3],
      [people.N1!.id, 2],
      [people.E2!.id, 1],
      [people.E1!.id, 0],
    ]);
  });

  it('filters by the ratee’s role and department, with per-department figures', async () => {
    const tier3 = await september({ side: 3 });
    expect(tier3.people.map((row) => row.staffId)).toEqual([people.N1!.id]);
    expect(tier3.overall).toMatchObject({
      count: 2,
      average: 3,
      distribution: [0, 1, 0, 1, 0],
      responseRate: 1,
    });
    const byDepartment = await september({ departmentId: network.id });
    expect(byDepartment.overall).toMatchObject({ count: 2, average: 3 });
    expect((await september()).departments).toEqual([
      { departmentId: network.id, aggregate: expect.objectContaining({ count: 2, average: 3, due: 2 }) },
    ]);
    const csv = parseCsv(
      ratingReviewCsv(tier3, {
        locale: 'zh-CN',
        person: (id) => ({
          name: '孙工',
          staffNo: id === people.N1!.id ? 'N1' : '?',
          department: '网络支撑中心',
        }),
      }),
    );
    expect(csv[1]?.fields).toEqual([
      'N1',
      '孙工',
      '网络支撑中心',
      '2',
      '3.00',
      '0',
      '1',
      '0',
      '1',
      '0',
      '2',
      '100.0',
      '慢(1)',
    ]);
  });

  it('shows a person their own figures only over complete months with at least 3 ratings', async () => {
    const own = (who: string, now = OCTOBER_8) =>
      ownRatingSummary(manager(), { staffId: people[who]!.id, now, timeZone: TZ });
    // On 8 October September is not settled yet: its last tickets' tasks can still be made (7 days),
    // stay open (3 days) and be edited (1 day) — until 12 October.
    expect((await own('T2A')).months.at(-1)?.month).toBe('2026-08');
    const desk = await own('T2A', bj('2026-10-12T09:00:00'));
    expect(desk.months.map((row) => row.month)).toEqual([
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
    ]);
    // August has one rating (1 star): not shown, and left out of the sums.
    expect(desk.months.slice(-2)).toEqual([
      { month: '2026-08', count: 1, isShown: false },
      { month: '2026-09', count: 3, isShown: true },
    ]);
    expect(desk.aggregate).toMatchObject({ count: 3, average: 4, distribution: [0, 0, 1, 1, 1] });
    // Two ratings: nothing to show.
    expect((await own('N1', bj('2026-10-12T09:00:00'))).aggregate).toBeNull();
    // Three ratings, but the month is still running; once it is over they count.
    expect((await own('N2')).aggregate).toBeNull();
    expect((await own('N2', bj('2026-11-02T09:00:00'))).aggregate).toBeNull();
    expect((await own('N2', bj('2026-11-12T09:00:00'))).aggregate).toMatchObject({ count: 3 });
  });

  it('shows the same anonymous summary in WeCom when there is nothing to rate (engineers have no web)', async () => {
    const flow = createRatingFlow({ timeZone: TZ });
    const start = (now: Date) =>
      flow.start(
        {
          manager: manager(),
          now,
          wecomUserId: 'wangfang',
          staff: people.T2A,
          locale: 'zh-CN',
          say: (key, params) => t('zh-CN', key, params),
        },
        '',
        [],
      );
    const replies = async (now: Date) => {
      const step = await start(now);
      return step.kind === 'done'
        ? step.replies.map((reply) => ('content' in reply ? reply.content : ''))
        : [];
    };
    // Too early: September is not settled, August has one rating — nothing to show.
    expect(await replies(OCTOBER_8)).toEqual([t('zh-CN', 'rating.flow.none')]);
    expect(await replies(bj('2026-10-12T09:00:00'))).toEqual([
      t('zh-CN', 'rating.flow.none'),
      t('zh-CN', 'rating.flow.ownSummary', { count: 3, average: '4.0' }),
    ]);
  });

  it('builds the monthly evaluation sheet with the configured weights, as CSV and as XLSX', async () => {
    const sheet = await evaluationSheet(manager(), { month: '2026-09', now: OCTOBER_8, timeZone: TZ });
    // T2A: stars (4−1)/4 = 0.75, gave 2 of 3 owed, 2 tickets of the month's most (2):
    //   (0.5·0.75 + 0.2·2/3 + 0.3·1) / 1.0 = 0.80833 → 80.8
    // N1: stars (3−1)/4 = 0.5, owed nothing (left out), 1 ticket of 2:
    //   (0.5·0.5 + 0.3·0.5) / 0.8 = 0.5 → 50.0
    expect(sheet.rows.map((row) => [row.staffNo, row.score])).toEqual([
      ['T2A', 80.8],
      ['N1', 50],
    ]);
    expect(sheet.rows[0]).toMatchObject({
      ratingsReceived: 3,
      averageStars: 4,
      ratingsOwed: 3,
      ratingsGiven: 2,
      ticketsHandled: 2,
    });
    const csv = sheetCsv(sheet.rows, 'zh-CN');
    expect(
      csv.startsWith(
        '\ufeff工号,姓名,部门,收到评价数,平均星级,已评价,应评价,参评率（%）,处理工单数,综合得分\r\n',
      ),
    ).toBe(true);
    expect(
      parseCsv(csv)
        .slice(1)
        .map((record) => record.fields),
    ).toEqual([
      ['T2A', '王芳', '', '3', '4.00', '2', '3', '66.7', '2', '80.8'],
      ['N1', '孙工', '网络支撑中心', '2', '3.00', '0', '0', '', '1', '50.0'],
    ]);

    const workbook = new Workbook();
    const file = await sheetWorkbook(sheet, 'en-US');
    // exceljs types its Buffer parameter against an older @types/node Buffer.
    await workbook.xlsx.load(file as unknown as Parameters<typeof workbook.xlsx.load>[0]);
    const worksheet = workbook.getWorksheet('2026-09');
    expect(worksheet?.getRow(1).getCell(10).value).toBe('Score');
    const values = (row: number) =>
      Array.from({ length: 10 }, (_, index) => worksheet?.getRow(row).getCell(index + 1).value ?? null);
    expect(values(2)).toEqual(['T2A', '王芳', '', 3, 4, 2, 3, 2 / 3, 2, 80.8]);
    expect(values(3)).toEqual(['N1', '孙工', '网络支撑中心', 2, 3, 0, 0, null, 1, 50]);

    await inTransaction(db().dataSource, (transaction) =>
      putSetting({
        manager: transaction,
        definition: sheetWeightsSetting,
        value: { stars: 1, responseRate: 0, ticketsHandled: 0 },
        actor: 'test',
      }),
    );
    const starsOnly = await evaluationSheet(manager(), { month: '2026-09', now: OCTOBER_8, timeZone: TZ });
    expect(starsOnly.rows.map((row) => [row.staffNo, row.score])).toEqual([
      ['T2A', 75],
      ['N1', 50],
    ]);
    await inTransaction(db().dataSource, (transaction) =>
      putSetting({
        manager: transaction,
        definition: sheetWeightsSetting,
        value: sheetWeightsSetting.defaultValue,
        actor: 'test',
      }),
    );
  });

  it('knows the first working day of a month across weekends and holidays', () => {
    expect(firstWorkingDay('2026-10')).toBe('2026-10-08'); // National Day holiday 1–7 October
    expect(firstWorkingDay('2026-08')).toBe('2026-08-03'); // 1 August is a Saturday
    expect(firstWorkingDay('2026-09')).toBe('2026-09-01');
  });

  it('mails last month’s sheet to each manager once, on the first working day, with the CSV attached', async () => {
    const job = ratingSheetMailJob({ timeZone: TZ, publicBaseUrl: 'https://fieldline.example.com' });
    const run = (now: Date) => job.run({ now, manager: manager(), logger: silentLogger });
    const mails = () => manager().findBy(OutboxMessage, { template: 'rating.monthlySheet' });

    expect(await run(bj('2026-10-02T09:00:00'))).toBe('waiting for 2026-10-08');
    expect(await mails()).toHaveLength(0);
    expect(await run(OCTOBER_8)).toBe('sheet 2026-09: 1 mail(s) queued, 2 row(s)');
    expect(await run(bj('2026-10-09T09:00:00'))).toBe('sheet 2026-09: 0 mail(s) queued, 2 row(s)');
    const queued = await mails();
    // M2 has no email address: not queued (it would only fail).
    expect(queued.map((row) => [row.recipientRef, row.dedupeKey])).toEqual([
      [String(people.M1!.id), `rating.sheet:2026-09:${people.M1!.id}`],
    ]);

    const relay = new OutboxRelay({
      dataSource: () => db().dataSource,
      channels: {
        email: new EmailChannel({ smtpUrl: smtp.url, from: 'Fieldline <noreply@fieldline.test>' }),
      },
      logger: silentLogger,
      timeZone: TZ,
      clock: () => OCTOBER_8,
    });
    await relay.drain();
    expect(await manager().findOneByOrFail(OutboxMessage, { id: queued[0]!.id })).toMatchObject({
      status: 'sent',
    });
    const mail = smtp.mails.at(-1);
    expect(mail?.to).toEqual(['zhao@fieldline.test']);
    expect(decodeHeader(mail?.headers.subject ?? '')).toBe('2026-09 三级支撑评价考核表');
    const raw = mail?.raw ?? '';
    expect(raw).toMatch(/filename="?evaluation-2026-09\.csv"?/);
    // The attachment's body: the base64 lines after its headers, up to the next MIME boundary.
    const part = /filename="?evaluation-2026-09\.csv"?\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(
      raw,
    );
    const attached = Buffer.from((part?.[1] ?? '').replace(/\s+/g, ''), 'base64').toString('utf8');
    expect(attached).toBe(
      sheetCsv(
        (await evaluationSheet(manager(), { month: '2026-09', now: OCTOBER_8, timeZone: TZ })).rows,
        'zh-CN',
      ),
    );
    expect(queued[0]?.data).toMatchObject({
      link: 'https://fieldline.example.com/admin/ratings/sheet?month=2026-09',
      isTruncated: false,
    });
  });
});
