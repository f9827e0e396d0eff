/**
 * Broadcasts on a real database: audience resolution (roles, departments, duty groups, union; deactivated
 * and unbound staff left out), writing and scheduling with versions, sending (recipients fixed in batches
 * of one language, outbox rows per batch, outage SMS), the scheduled job with a fixed `now` (each article
 * once, even when two runs race), the weekly best-case push and Thursday's warning, reminders, read
 * tracking, and training videos. Delivery through WeCom is broadcast.delivery.test.ts.
 */
import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { AppError } from '../../errors';
import { OutboxMessage } from '../../notifications/outbox.entity';
import { silentLogger, useTestDatabase } from '../../../test/support';
import { isoWeek, zonedInstant } from '../../zoned-time';
import { putSetting } from '../settings';
import { createStaff, Department, ensureDutyGroup, setGroupMembership, Staff } from '../staff';
import { Article, type ArticleAudience } from './article.entity';
import { ArticleRecipient } from './article-recipient.entity';
import { ArticleReminder } from './article-reminder.entity';
import { articleBatches } from './broadcast.batches';
import { articleCoverLink, articleLink, checkBroadcastLink } from './broadcast.links';
import { resolveAudience } from './broadcast.audience';
import {
  cancelScheduledArticle,
  saveArticleDraft,
  scheduleArticle,
  updateArticle,
} from './broadcast.commands';
import { bestCaseWarningJob, bestCaseWeeklyJob, broadcastScheduledJob } from './broadcast.job';
import {
  articleDetail,
  listActiveVideos,
  listArticles,
  listUnreadRecipients,
  recentArticlesFor,
} from './broadcast.queries';
import { EMPTY_AUDIENCE, type ArticleInput } from './broadcast.schema';
import { markArticleRead, remindUnreadRecipients, sendArticleNow } from './broadcast.sending';
import { bestCaseScheduleSetting } from './broadcast.settings';
import {
  createTrainingVideo,
  deactivateTrainingVideo,
  reorderTrainingVideos,
  updateTrainingVideo,
} from './video.commands';
import { TrainingVideo } from './training-video.entity';

const TZ = 'Asia/Shanghai';
const LINKS = { baseUrl: 'https://fieldline.example.com', sessionSecret: undefined };
/** Thursday 2031-11-20 and Friday 2031-11-21, local time. */
const at = (day: string, hhmm: string) =>
  zonedInstant(day, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)), TZ);
const WEEK = isoWeek(at('2031-11-20', '12:00'), TZ);

const audience = (parts: Partial<ArticleAudience>): ArticleAudience => ({ ...EMPTY_AUDIENCE, ...parts });
const input = (parts: Partial<ArticleInput> = {}): ArticleInput => ({
  kind: 'notice',
  title: '关于宽带提速的业务通知',
  summary: '本周起 300M 用户免费提速至 500M',
  body: '## 要点\n\n上门时请告知用户。',
  coverKey: null,
  tags: ['提速'],
  audience: audience({ everyone: true }),
  isUrgent: false,
  smsGroups: [],
  featuredWeek: null,
  ...parts,
});

/** The AppError the promise rejects with; fails the test when it resolves or rejects with anything else. */
async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function problemKeys(promise: Promise<unknown>): Promise<string[]> {
  const error = await rejectionOf(promise);
  expect(error.code).toBe('VALIDATION_FAILED');
  return (error.details as { problems: Array<{ key: string }> }).problems.map((p) => p.key);
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await rejectionOf(promise)).code;
}

describe('broadcasts', () => {
  const db = useTestDatabase();
  const people: Record<string, Staff> = {};
  let areaNorth: Department;
  let areaSouth: Department;
  let author: Staff;
  const tx = <T>(work: (manager: EntityManager) => Promise<T>) => inTransaction(db().dataSource, work);
  const manager = () => db().dataSource.manager;
  const batchRows = (articleId: number) =>
    manager()
      .createQueryBuilder(OutboxMessage, 'o')
      .where("o.recipient_kind = 'batch'")
      .andWhere('o.recipient_ref LIKE :ref', { ref: `article:${articleId}:%` })
      .orderBy('o.id')
      .getMany();
  const draft = (parts: Partial<ArticleInput> = {}) =>
    tx((m) =>
      saveArticleDraft({
        manager: m,
        input: input(parts),
        authorId: author.id,
        now: at('2031-11-19', '09:00'),
      }),
    );

  beforeAll(async () => {
    await tx(async (m) => {
      areaNorth = await m.save(
        m.create(Department, { name: '城北片区', kind: 'area', createdAt: new Date() }),
      );
      areaSouth = await m.save(
        m.create(Department, { name: '城南片区', kind: 'area', createdAt: new Date() }),
      );
      const add = async (
        staffNo: string,
        role: Staff['role'],
        departmentId: number | null,
        extra: { wecom?: string | null; language?: string } = {},
      ) => {
        people[staffNo] = await createStaff({
          manager: m,
          staffNo,
          name: `员工${staffNo}`,
          role,
          phone: `+86138${staffNo.slice(1).padStart(8, '0')}`,
          wecomUserId: extra.wecom === undefined ? staffNo.toLowerCase() : extra.wecom,
          departmentId,
          language: extra.language ?? 'zh-CN',
        });
      };
      await add('E1', 'engineer', areaNorth.id);
      await add('E2', 'engineer', areaNorth.id, { language: 'en-US' });
      await add('E3', 'engineer', areaSouth.id);
      await add('E4', 'engineer', areaSouth.id, { wecom: null }); // never bound
      await add('E5', 'engineer', areaSouth.id); // deactivated below
      await add('T1', 'tier2', null);
      await add('T2', 'tier2', null);
      await add('M1', 'manager', areaNorth.id);
      await add('A1', 'admin', null);
      await m.update(Staff, { id: people.E5!.id }, { isActive: false });
      const desk = await ensureDutyGroup({ manager: m, key: 'control-desk', name: '1183301 管控' });
      const members: Array<[staffNo: string, isOnDuty: boolean]> = [
        ['T1', true],
        ['T2', false],
        ['E5', false],
      ];
      for (const [staffNo, isOnDuty] of members) {
        await setGroupMembership({
          manager: m,
          groupId: desk.id,
          staffId: people[staffNo]!.id,
          isOnDuty,
          actor: 't',
        });
      }
      author = people.T1!;
    });
  });
  beforeEach(async () => {
    await manager().createQueryBuilder().delete().from(ArticleRecipient).execute();
    await manager().createQueryBuilder().delete().from(Article).execute();
    await manager().clear(OutboxMessage);
  });

  it('resolves audiences as a union of roles, departments and duty groups, active and bound only', async () => {
    const ids = async (parts: Partial<ArticleAudience>) =>
      (await resolveAudience(manager(), audience(parts))).map((member) => member.staffId);
    const id = (...staffNos: string[]) => staffNos.map((no) => people[no]!.id);
    const byLanguageThenId = (...staffNos: string[]) =>
      [...staffNos]
        .map((no) => people[no]!)
        .sort((a, b) => a.language.localeCompare(b.language) || a.id - b.id)
        .map((person) => person.id);

    expect(await ids({})).toEqual([]);
    expect(await ids({ everyone: true })).toEqual(byLanguageThenId('E1', 'E2', 'E3', 'T1', 'T2', 'M1', 'A1'));
    // E4 is unbound and E5 deactivated: neither is ever reached.
    expect(await ids({ roles: ['engineer'] })).toEqual(byLanguageThenId('E1', 'E2', 'E3'));
    expect(await ids({ departmentIds: [areaSouth.id] })).toEqual(id('E3'));
    expect(await ids({ departmentIds: [areaNorth.id] })).toEqual(byLanguageThenId('E1', 'E2', 'M1'));
    expect(await ids({ groupKeys: ['control-desk'] })).toEqual(id('T1', 'T2'));
    expect(
      await ids({ roles: ['admin'], departmentIds: [areaSouth.id], groupKeys: ['control-desk'] }),
    ).toEqual(byLanguageThenId('E3', 'T1', 'T2', 'A1'));
    // The same person through two routes is there once.
    expect(await ids({ roles: ['tier2'], groupKeys: ['control-desk'] })).toEqual(id('T1', 'T2'));
    // en-US readers come before zh-CN ones, so batches can be cut by language.
    expect((await resolveAudience(manager(), audience({ roles: ['engineer'] })))[0]).toMatchObject({
      staffId: people.E2!.id,
      language: 'en-US',
      wecomUserId: 'e2',
    });
  });

  it('validates drafts, keeps versions, and refuses what cannot be sent', async () => {
    expect(
      await problemKeys(
        draft({
          title: ' ',
          kind: 'hot',
          smsGroups: ['control-desk'],
          featuredWeek: '2031-W47',
          coverKey: '../etc/passwd',
          tags: ['x'.repeat(33)],
        }),
      ),
    ).toEqual([
      'broadcast.error.titleMissing',
      'broadcast.error.cover',
      'broadcast.error.tagLength',
      'broadcast.error.smsOnlyOutage',
      'broadcast.error.featuredOnlyBestCase',
    ]);
    expect(
      await problemKeys(draft({ audience: audience({ departmentIds: [99_999], groupKeys: ['nobody'] }) })),
    ).toEqual(['broadcast.error.department', 'broadcast.error.group']);
    expect(await problemKeys(draft({ kind: 'best-case', featuredWeek: '2031-48' }))).toEqual([
      'broadcast.error.featuredWeek',
    ]);

    const outage = await draft({ kind: 'outage', isUrgent: false, smsGroups: ['control-desk'] });
    expect(outage).toMatchObject({
      status: 'draft',
      isUrgent: true,
      version: 1,
      smsGroups: ['control-desk'],
    });

    const article = await draft({ body: '', audience: EMPTY_AUDIENCE });
    const now = at('2031-11-19', '10:00');
    expect(
      await problemKeys(
        tx((m) =>
          scheduleArticle({ manager: m, id: article.id, version: 1, at: at('2031-11-19', '09:59'), now }),
        ),
      ),
    ).toEqual([
      'broadcast.error.bodyMissing',
      'broadcast.error.audienceMissing',
      'broadcast.error.scheduledAt',
    ]);
    const edited = await tx((m) =>
      updateArticle({
        manager: m,
        id: article.id,
        version: 1,
        changes: { body: '正文', audience: audience({ roles: ['engineer'] }) },
        now,
      }),
    );
    expect(edited.version).toBe(2);
    expect(
      await codeOf(
        tx((m) =>
          updateArticle({ manager: m, id: article.id, version: 1, changes: { title: '旧版本' }, now }),
        ),
      ),
    ).toBe('CONFLICT');
    const scheduled = await tx((m) =>
      scheduleArticle({ manager: m, id: article.id, version: 2, at: at('2031-11-19', '12:00'), now }),
    );
    expect(scheduled).toMatchObject({ status: 'scheduled', version: 3 });
    // A scheduled article must stay ready to send.
    expect(
      await problemKeys(
        tx((m) => updateArticle({ manager: m, id: article.id, version: 3, changes: { body: '  ' }, now })),
      ),
    ).toEqual(['broadcast.error.bodyMissing']);
    const cancelled = await tx((m) =>
      cancelScheduledArticle({ manager: m, id: article.id, version: 3, now }),
    );
    expect(cancelled.status).toBe('cancelled');
    expect(
      await codeOf(tx((m) => cancelScheduledArticle({ manager: m, id: article.id, version: 4, now }))),
    ).toBe('ILLEGAL_TRANSITION');
    const sent = await tx((m) =>
      sendArticleNow({ manager: m, id: article.id, version: 4, now, links: LINKS }),
    );
    expect(sent).toMatchObject({ recipients: 3, batches: 2 });
    expect(
      await codeOf(
        tx((m) => updateArticle({ manager: m, id: article.id, version: 5, changes: { title: '改' }, now })),
      ),
    ).toBe('ILLEGAL_TRANSITION');
    expect(
      await codeOf(tx((m) => sendArticleNow({ manager: m, id: article.id, version: 5, now, links: LINKS }))),
    ).toBe('ILLEGAL_TRANSITION');
  });

  it('fixes the recipients in batches of one language and queues one WeCom row per batch, plus the outage SMS', async () => {
    const now = at('2031-11-19', '10:00');
    const outage = await draft({
      kind: 'outage',
      title: '城北片区 OLT 故障',
      summary: '城北片区大面积断网，预计 2 小时恢复',
      audience: audience({ roles: ['engineer'], groupKeys: ['control-desk'] }),
      smsGroups: ['control-desk'],
    });
    const started = await tx((m) =>
      sendArticleNow({ manager: m, id: outage.id, version: 1, now, links: LINKS }),
    );
    expect(started).toMatchObject({ recipients: 5, batches: 2, smsGroups: 1 });
    expect(started.article).toMatchObject({ status: 'sending', recipientCount: 5, version: 2 });
    expect(started.article.sentAt?.toISOString()).toBe(now.toISOString());

    const recipients = await manager().find(ArticleRecipient, {
      where: { articleId: outage.id },
      order: { staffId: 'ASC' },
    });
    expect(recipients.map((r) => [r.staffId, r.batch, r.deliveryStatus])).toEqual(
      ['E1', 'E2', 'E3', 'T1', 'T2']
        .map((no) => people[no]!)
        .map((person) => [person.id, person.language === 'en-US' ? 0 : 1, 'queued']),
    );
    const batches = await batchRows(outage.id);
    expect(
      batches.map((row) => [row.recipientRef, row.channel, row.template, row.urgency, row.status]),
    ).toEqual([
      [`article:${outage.id}:0`, 'wecom', 'broadcast.article', 'urgent', 'pending'],
      [`article:${outage.id}:1`, 'wecom', 'broadcast.article', 'urgent', 'pending'],
    ]);
    const data = batches[0]!.data as { url: string; coverUrl: string | null; summary: string };
    expect(data.url).toMatch(
      new RegExp(`^https://fieldline\\.example\\.com/articles/${outage.id}\\?e=\\d+&s=[\\w-]{43}$`),
    );
    expect(data.coverUrl).toBeNull();
    expect(data.summary).toBe('城北片区大面积断网，预计 2 小时恢复');
    const sms = await manager().findBy(OutboxMessage, {
      channel: 'sms',
      dedupeKey: `broadcast:${outage.id}:sms:control-desk`,
    });
    expect(sms).toEqual([
      expect.objectContaining({ recipientKind: 'group', recipientRef: 'control-desk', urgency: 'urgent' }),
    ]);

    // A normal notice is not urgent; an audience reaching nobody is refused and changes nothing.
    const notice = await draft({ audience: audience({ departmentIds: [areaSouth.id] }) });
    await tx((m) => sendArticleNow({ manager: m, id: notice.id, version: 1, now, links: LINKS }));
    expect((await batchRows(notice.id)).map((row) => row.urgency)).toEqual(['normal']);
    await manager().update(Staff, { id: people.E3!.id }, { isActive: false });
    try {
      const empty = await draft({ audience: audience({ departmentIds: [areaSouth.id] }) });
      expect(
        await problemKeys(
          tx((m) => sendArticleNow({ manager: m, id: empty.id, version: 1, now, links: LINKS })),
        ),
      ).toEqual(['broadcast.error.audienceEmpty']);
      expect(await manager().findOneByOrFail(Article, { id: empty.id })).toMatchObject({
        status: 'draft',
        version: 1,
      });
      expect(await manager().countBy(ArticleRecipient, { articleId: empty.id })).toBe(0);
    } finally {
      await manager().update(Staff, { id: people.E3!.id }, { isActive: true });
    }
  });

  it('sends scheduled articles once their time has come, each exactly once even when runs race', async () => {
    const job = broadcastScheduledJob(LINKS);
    const now = at('2031-11-19', '08:00');
    const first = await draft();
    const second = await draft({ title: '第二条' });
    await tx((m) =>
      scheduleArticle({ manager: m, id: first.id, version: 1, at: at('2031-11-19', '09:30'), now }),
    );
    await tx((m) =>
      scheduleArticle({ manager: m, id: second.id, version: 1, at: at('2031-11-19', '10:00'), now }),
    );
    const run = (when: Date) => job.run({ now: when, manager: manager(), logger: silentLogger });

    expect(await run(at('2031-11-19', '09:29'))).toBe('0 due: 0 sent, 0 skipped, 0 cancelled, 0 failed');
    expect(await manager().count(ArticleRecipient)).toBe(0);

    const results = await Promise.all([run(at('2031-11-19', '09:31')), run(at('2031-11-19', '09:31'))]);
    const sentCounts = results.map((result) => Number(/(\d+) sent/.exec(String(result))?.[1] ?? NaN));
    expect(sentCounts.reduce((sum, count) => sum + count, 0)).toBe(1);
    expect(await manager().findOneByOrFail(Article, { id: first.id })).toMatchObject({ status: 'sending' });
    expect(await manager().findOneByOrFail(Article, { id: second.id })).toMatchObject({
      status: 'scheduled',
    });
    expect(await manager().countBy(ArticleRecipient, { articleId: first.id })).toBe(7);
    expect((await batchRows(first.id)).map((row) => row.recipientRef)).toEqual([
      `article:${first.id}:0`,
      `article:${first.id}:1`,
    ]);
    // Rows wait for the relay (nothing sends in this test).
    expect((await batchRows(first.id)).every((row) => row.status === 'pending')).toBe(true);

    await run(at('2031-11-19', '10:00'));
    await run(at('2031-11-19', '10:01'));
    expect(await manager().countBy(ArticleRecipient, { articleId: second.id })).toBe(7);
    expect(await batchRows(second.id)).toHaveLength(2);
    expect(await batchRows(first.id)).toHaveLength(2);

    // An article whose audience reaches nobody by then is cancelled, not retried every minute.
    const hopeless = await draft({ audience: audience({ groupKeys: ['control-desk'] }) });
    await tx((m) =>
      scheduleArticle({ manager: m, id: hopeless.id, version: 1, at: at('2031-11-19', '11:00'), now }),
    );
    await manager().update(Staff, { id: people.T1!.id }, { isActive: false });
    await manager().update(Staff, { id: people.T2!.id }, { isActive: false });
    try {
      expect(await run(at('2031-11-19', '11:00'))).toBe('1 due: 0 sent, 0 skipped, 1 cancelled, 0 failed');
      expect(await manager().findOneByOrFail(Article, { id: hopeless.id })).toMatchObject({
        status: 'cancelled',
      });
    } finally {
      await manager().update(Staff, { id: people.T1!.id }, { isActive: true });
      await manager().update(Staff, { id: people.T2!.id }, { isActive: true });
    }
  });

  it('pushes the best cases marked for the week on Friday, once, and nothing when none is marked', async () => {
    const job = bestCaseWeeklyJob({ timeZone: TZ, links: LINKS });
    const run = (when: Date) => job.run({ now: when, manager: manager(), logger: silentLogger });
    expect(await run(at('2031-11-21', '16:05'))).toBe(`${WEEK}: nothing (more) to push`);
    expect(await manager().count(OutboxMessage)).toBe(0);

    const marked = await draft({
      kind: 'best-case',
      title: '光衰处理优秀案例',
      audience: EMPTY_AUDIENCE,
      featuredWeek: WEEK,
    });
    const otherWeek = await draft({ kind: 'best-case', audience: EMPTY_AUDIENCE, featuredWeek: '2031-W49' });
    const unmarked = await draft({ kind: 'best-case', audience: EMPTY_AUDIENCE });

    expect(await run(at('2031-11-21', '15:55'))).toBe(`${WEEK}: before the push time`);
    expect(await run(at('2031-11-20', '16:30'))).toBe(`${WEEK}: before the push time`);
    expect(await run(at('2031-11-21', '16:00'))).toBe(`${WEEK}: 1 sent, 0 skipped, 0 cancelled, 0 failed`);
    expect(await run(at('2031-11-21', '16:05'))).toBe(`${WEEK}: nothing (more) to push`);
    // Every engineer (the default audience of a best case), active and bound.
    const recipients = await manager().findBy(ArticleRecipient, { articleId: marked.id });
    expect(recipients.map((r) => r.staffId).sort((a, b) => a - b)).toEqual(
      ['E1', 'E2', 'E3'].map((no) => people[no]!.id).sort((a, b) => a - b),
    );
    expect(await manager().countBy(ArticleRecipient, { articleId: otherWeek.id })).toBe(0);
    expect(await manager().countBy(ArticleRecipient, { articleId: unmarked.id })).toBe(0);
    expect(await batchRows(marked.id)).toHaveLength(2);
    expect((await batchRows(marked.id)).every((row) => row.urgency === 'normal')).toBe(true);
  });

  it('warns tier-2 on Thursday, once a week, when no best case is marked', async () => {
    const job = bestCaseWarningJob({ timeZone: TZ });
    const run = (when: Date) => job.run({ now: when, manager: manager(), logger: silentLogger });
    const warnings = () =>
      manager()
        .createQueryBuilder(OutboxMessage, 'o')
        .where('o.template = :template', { template: 'broadcast.bestCaseMissing' })
        .andWhere('o.parent_id IS NULL')
        .orderBy('o.id')
        .getMany();

    expect(await run(at('2031-11-20', '09:55'))).toBe(`${WEEK}: before the warning time`);
    expect(await run(at('2031-11-20', '10:00'))).toBe(
      `${WEEK}: no best case marked; told group control-desk`,
    );
    expect(await run(at('2031-11-20', '10:05'))).toBe(`${WEEK}: tier-2 already told`);
    expect(
      (await warnings()).map((row) => [row.channel, row.recipientKind, row.recipientRef, row.urgency]),
    ).toEqual([
      ['wecom', 'group', 'control-desk', 'normal'],
      ['sms', 'group', 'control-desk', 'normal'],
    ]);
    expect((await warnings())[0]!.data).toEqual({ week: WEEK, weekday: 5, time: '16:00' });
    expect(await run(at('2031-11-21', '16:00'))).toBe(`${WEEK}: the push time has passed`);

    // A marked case: no warning. Another week, another warning; a different time from the setting.
    await manager().clear(OutboxMessage);
    await draft({ kind: 'best-case', audience: EMPTY_AUDIENCE, featuredWeek: WEEK });
    expect(await run(at('2031-11-20', '11:00'))).toBe(`${WEEK}: a best case is marked`);
    await tx((m) =>
      putSetting({
        manager: m,
        definition: bestCaseScheduleSetting,
        value: {
          pushWeekday: 5,
          pushTime: '17:30',
          warnWeekday: 3,
          warnTime: '09:00',
          warnGroup: 'night-desk',
        },
        actor: 'test',
      }),
    );
    try {
      const nextWeek = isoWeek(at('2031-11-26', '12:00'), TZ);
      // The group does not exist: every active tier-2 member is told instead.
      expect(await run(at('2031-11-26', '09:00'))).toBe(
        `${nextWeek}: no best case marked; told 2 tier-2 member(s)`,
      );
      expect((await warnings()).map((row) => [row.channel, row.recipientKind, row.recipientRef])).toEqual([
        ['wecom', 'staff', String(people.T1!.id)],
        ['sms', 'staff', String(people.T1!.id)],
        ['wecom', 'staff', String(people.T2!.id)],
        ['sms', 'staff', String(people.T2!.id)],
      ]);
    } finally {
      await tx((m) =>
        putSetting({
          manager: m,
          definition: bestCaseScheduleSetting,
          value: bestCaseScheduleSetting.defaultValue,
          actor: 'test',
        }),
      );
    }
  });

  it('records reads once and reminds only urgent articles’ unread recipients', async () => {
    const now = at('2031-11-19', '10:00');
    const outage = await draft({ kind: 'outage', audience: audience({ roles: ['engineer'] }) });
    const notice = await draft({ audience: audience({ roles: ['engineer'] }) });
    await tx((m) => sendArticleNow({ manager: m, id: outage.id, version: 1, now, links: LINKS }));
    await tx((m) => sendArticleNow({ manager: m, id: notice.id, version: 1, now, links: LINKS }));
    // As if WeCom had accepted every batch (delivery itself is tested with the relay).
    await manager().update(
      ArticleRecipient,
      { articleId: outage.id },
      { deliveryStatus: 'delivered', deliveredAt: now },
    );

    const read = (reader: { staffId: number } | { wecomUserId: string }) =>
      tx((m) =>
        markArticleRead({ manager: m, articleId: outage.id, reader, now: at('2031-11-19', '10:05') }),
      );
    expect(await read({ wecomUserId: 'e1' })).toBe('recorded');
    expect(await read({ wecomUserId: 'e1' })).toBe('already');
    expect(await read({ staffId: people.E1!.id })).toBe('already');
    expect(await read({ wecomUserId: 't1' })).toBe('not-recipient');
    expect(await read({ wecomUserId: 'stranger' })).toBe('not-recipient');
    const e1 = await manager().findOneByOrFail(ArticleRecipient, {
      articleId: outage.id,
      staffId: people.E1!.id,
    });
    expect(e1.readAt?.toISOString()).toBe(at('2031-11-19', '10:05').toISOString());

    expect((await listUnreadRecipients(manager(), outage.id)).map((row) => row.staffNo)).toEqual([
      'E2',
      'E3',
    ]);
    const reminded = await tx((m) =>
      remindUnreadRecipients({ manager: m, id: outage.id, now: at('2031-11-19', '10:30'), links: LINKS }),
    );
    expect(reminded).toMatchObject({ round: 1, reminded: 2, batches: 2 });
    const rows = await manager()
      .createQueryBuilder(OutboxMessage, 'o')
      .where('o.template = :t', { t: 'broadcast.reminder' })
      .orderBy('o.id')
      .getMany();
    expect(rows.map((row) => [row.recipientRef, row.urgency, row.dedupeKey])).toEqual([
      [`article:${outage.id}:r1:0`, 'urgent', `broadcast:${outage.id}:remind:1:0`],
      [`article:${outage.id}:r1:1`, 'urgent', `broadcast:${outage.id}:remind:1:1`],
    ]);
    // The round's members are frozen in rows of their own; nobody counts as reminded until WeCom takes it.
    const frozen = await manager().find(ArticleReminder, {
      where: { articleId: outage.id },
      order: { id: 'ASC' },
    });
    expect(frozen.map((row) => [row.round, row.wecomUserId])).toEqual([
      [1, 'e2'],
      [1, 'e3'],
    ]);
    const remindedRows = async () =>
      (
        await manager().find(ArticleRecipient, { where: { articleId: outage.id }, order: { staffId: 'ASC' } })
      ).map((row) => [row.staffId, row.reminderRound, row.remindedAt !== null]);
    expect(await remindedRows()).toEqual([
      [people.E1!.id, 0, false],
      [people.E2!.id, 0, false],
      [people.E3!.id, 0, false],
    ]);
    // As the relay does when WeCom accepts each reminder batch (tested end to end with the relay).
    for (const row of rows)
      await tx((m) =>
        articleBatches.settle(m, row.recipientRef, {
          status: 'sent',
          delivered: ['e2', 'e3'],
          invalid: [],
          at: at('2031-11-19', '10:31'),
        }),
      );
    expect(await remindedRows()).toEqual([
      [people.E1!.id, 0, false],
      [people.E2!.id, 1, true],
      [people.E3!.id, 1, true],
    ]);
    expect(
      await codeOf(
        tx((m) =>
          remindUnreadRecipients({ manager: m, id: outage.id, now: at('2031-11-19', '10:32'), links: LINKS }),
        ),
      ),
    ).toBe('RATE_LIMITED');
    expect(
      await codeOf(
        tx((m) =>
          remindUnreadRecipients({ manager: m, id: notice.id, now: at('2031-11-19', '11:00'), links: LINKS }),
        ),
      ),
    ).toBe('ILLEGAL_TRANSITION');

    const detail = await articleDetail(manager(), outage.id);
    expect(detail?.counts).toEqual({
      recipients: 3,
      delivered: 3,
      undelivered: 0,
      queued: 0,
      read: 1,
      reminded: 2,
    });
    expect(detail?.author?.staffNo).toBe('T1');
    const listed = await listArticles(manager(), { kinds: ['notice'], text: '宽带' });
    expect(listed.map((item) => [item.article.id, item.counts.recipients, item.counts.queued])).toEqual([
      [notice.id, 3, 3],
    ]);
    expect(await listArticles(manager(), { text: '100%_!' })).toEqual([]);
  });

  it('lists the notices a person may read: sent to them, or to an audience they are in now', async () => {
    const now = at('2031-11-19', '10:00');
    const toNorth = await draft({ title: '城北通知', audience: audience({ departmentIds: [areaNorth.id] }) });
    const toSouth = await draft({ title: '城南通知', audience: audience({ departmentIds: [areaSouth.id] }) });
    const hot = await draft({
      kind: 'hot',
      title: '热点：光猫批量掉线',
      audience: audience({ everyone: true }),
    });
    const unsent = await draft({ title: '未发送', audience: audience({ everyone: true }) });
    for (const article of [toNorth, toSouth, hot])
      await tx((m) => sendArticleNow({ manager: m, id: article.id, version: 1, now, links: LINKS }));
    const titles = async (staffNo: string) =>
      (await recentArticlesFor(manager(), people[staffNo]!, ['notice', 'hot'])).map(
        (article) => article.title,
      );
    expect(await titles('E1')).toEqual(expect.arrayContaining(['城北通知', '热点：光猫批量掉线']));
    expect(await titles('E1')).not.toContain('城南通知');
    expect(await titles('E1')).not.toContain(unsent.title);
    // E4 was not bound when they went out, but is in the south area: the south notice and the hot issue.
    expect((await titles('E4')).sort()).toEqual(['城南通知', '热点：光猫批量掉线'].sort());
  });

  it('manages training videos: https links only, versions, order, deactivation', async () => {
    const now = at('2031-11-19', '10:00');
    const video = (title: string, url = 'https://video.example.com/v/1') =>
      tx((m) =>
        createTrainingVideo({
          manager: m,
          input: { title, description: '', durationSeconds: 330, url, coverKey: null, isActive: true },
          now,
        }),
      );
    expect(await problemKeys(video('FTTH 三张照片标准', 'javascript:alert(1)'))).toEqual([
      'broadcast.error.videoUrl',
    ]);
    expect(await problemKeys(video('FTTH 三张照片标准', 'http://video.example.com/v/1'))).toEqual([
      'broadcast.error.videoUrl',
    ]);
    expect(await problemKeys(video('FTTH 三张照片标准', 'https://user:pw@video.example.com/'))).toEqual([
      'broadcast.error.videoUrl',
    ]);
    const photos = await video('FTTH 三张照片标准');
    const callback = await video('改约与回访礼仪');
    const safety = await video('登高作业安全');
    expect([photos.sortOrder, callback.sortOrder, safety.sortOrder]).toEqual([1, 2, 3]);
    await tx((m) => reorderTrainingVideos({ manager: m, orderedIds: [safety.id], now }));
    expect((await listActiveVideos(manager())).map((v) => v.title)).toEqual([
      '登高作业安全',
      'FTTH 三张照片标准',
      '改约与回访礼仪',
    ]);
    await tx((m) =>
      reorderTrainingVideos({ manager: m, orderedIds: [safety.id, callback.id, photos.id], now }),
    );
    expect((await listActiveVideos(manager())).map((v) => v.title)).toEqual([
      '登高作业安全',
      '改约与回访礼仪',
      'FTTH 三张照片标准',
    ]);
    const current = await manager().findOneByOrFail(TrainingVideo, { id: photos.id });
    expect(
      await codeOf(
        tx((m) =>
          updateTrainingVideo({ manager: m, id: photos.id, version: current.version - 1, changes: {}, now }),
        ),
      ),
    ).toBe('CONFLICT');
    await tx((m) => deactivateTrainingVideo({ manager: m, id: photos.id, version: current.version, now }));
    expect((await listActiveVideos(manager())).map((v) => v.title)).toEqual([
      '登高作业安全',
      '改约与回访礼仪',
    ]);
    expect(await codeOf(tx((m) => reorderTrainingVideos({ manager: m, orderedIds: [1, 1], now })))).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('pushes only ready drafts saved before the push time, and tells tier-2 once about one it cannot push', async () => {
    const week = isoWeek(at('2031-11-27', '12:00'), TZ);
    const push = bestCaseWeeklyJob({ timeZone: TZ, links: LINKS });
    const warn = bestCaseWarningJob({ timeZone: TZ });
    const run = (job: typeof push, when: Date) =>
      job.run({ now: when, manager: manager(), logger: silentLogger });
    const failures = () =>
      manager()
        .createQueryBuilder(OutboxMessage, 'o')
        .where('o.template = :template', { template: 'broadcast.bestCasePushFailed' })
        .andWhere('o.parent_id IS NULL')
        .orderBy('o.id')
        .getMany();
    const halfWritten = await draft({
      kind: 'best-case',
      title: '未写完的案例',
      body: '',
      audience: EMPTY_AUDIENCE,
      featuredWeek: week,
    });
    // Only a draft that is not ready is marked: the Thursday warning still goes.
    expect(await run(warn, at('2031-11-27', '10:00'))).toBe(
      `${week}: no best case marked; told group control-desk`,
    );
    const ready = await draft({
      kind: 'best-case',
      title: '弱光排查',
      audience: EMPTY_AUDIENCE,
      featuredWeek: week,
    });
    const late = await draft({
      kind: 'best-case',
      title: '刚标记的',
      audience: EMPTY_AUDIENCE,
      featuredWeek: week,
    });
    await manager().update(Article, { id: late.id }, { updatedAt: at('2031-11-28', '16:02') });

    expect(await run(push, at('2031-11-28', '16:05'))).toBe(
      `${week}: 1 sent, 0 skipped, 0 cancelled, 1 failed`,
    );
    expect(await run(push, at('2031-11-28', '16:10'))).toBe(
      `${week}: 0 sent, 0 skipped, 0 cancelled, 1 failed`,
    );
    expect((await manager().findOneByOrFail(Article, { id: ready.id })).status).toBe('sending');
    expect((await manager().findOneByOrFail(Article, { id: halfWritten.id })).status).toBe('draft');
    expect((await manager().findOneByOrFail(Article, { id: late.id })).status).toBe('draft');
    // Told once (WeCom and SMS to the warning group), not every 5 minutes.
    expect((await failures()).map((row) => [row.channel, row.recipientRef, row.data])).toEqual([
      ['wecom', 'control-desk', { week, title: '未写完的案例', reason: 'notReady' }],
      ['sms', 'control-desk', { week, title: '未写完的案例', reason: 'notReady' }],
    ]);
  });

  it('pushes a Sunday 23:55 push within the same ISO week, across the ISO year change', async () => {
    expect(
      bestCaseScheduleSetting.schema.safeParse({ ...bestCaseScheduleSetting.defaultValue, pushTime: '16:02' })
        .success,
    ).toBe(false);
    await tx((m) =>
      putSetting({
        manager: m,
        definition: bestCaseScheduleSetting,
        value: { ...bestCaseScheduleSetting.defaultValue, pushWeekday: 7, pushTime: '23:55' },
        actor: 'test',
      }),
    );
    try {
      const job = bestCaseWeeklyJob({ timeZone: TZ, links: LINKS });
      const run = (when: Date) => job.run({ now: when, manager: manager(), logger: silentLogger });
      const marked = await draft({ kind: 'best-case', audience: EMPTY_AUDIENCE, featuredWeek: '2026-W53' });
      // Saved before that week's push time (the helper saves in 2031).
      await manager().update(Article, { id: marked.id }, { updatedAt: at('2027-01-01', '09:00') });
      expect(await run(at('2027-01-03', '23:50'))).toBe('2026-W53: before the push time');
      expect(await run(at('2027-01-03', '23:55'))).toBe('2026-W53: 1 sent, 0 skipped, 0 cancelled, 0 failed');
      expect((await manager().findOneByOrFail(Article, { id: marked.id })).status).toBe('sending');
      const next = await draft({ kind: 'best-case', audience: EMPTY_AUDIENCE, featuredWeek: '2027-W01' });
      expect(await run(at('2027-01-04', '00:00'))).toBe('2027-W01: before the push time');
      expect((await manager().findOneByOrFail(Article, { id: next.id })).status).toBe('draft');
    } finally {
      await tx((m) =>
        putSetting({
          manager: m,
          definition: bestCaseScheduleSetting,
          value: bestCaseScheduleSetting.defaultValue,
          actor: 'test',
        }),
      );
    }
  });

  it('accepts week 53 only in years that have one', async () => {
    expect(
      await problemKeys(draft({ kind: 'best-case', audience: EMPTY_AUDIENCE, featuredWeek: '2027-W53' })),
    ).toEqual(['broadcast.error.featuredWeek']);
    const ok = await draft({ kind: 'best-case', audience: EMPTY_AUDIENCE, featuredWeek: '2026-W53' });
    expect(ok.featuredWeek).toBe('2026-W53');
  });

  it('tells the author when the job cancels a scheduled article whose audience reaches nobody', async () => {
    const job = broadcastScheduledJob(LINKS);
    const now = at('2031-11-19', '08:00');
    const hopeless = await draft({ title: '无人可发', audience: audience({ groupKeys: ['control-desk'] }) });
    await tx((m) =>
      scheduleArticle({ manager: m, id: hopeless.id, version: 1, at: at('2031-11-19', '11:00'), now }),
    );
    await manager().update(Staff, { id: people.T2!.id }, { isActive: false });
    await manager().update(Staff, { id: people.T1!.id }, { wecomUserId: null });
    try {
      expect(
        await job.run({ now: at('2031-11-19', '11:00'), manager: manager(), logger: silentLogger }),
      ).toBe('1 due: 0 sent, 0 skipped, 1 cancelled, 0 failed');
    } finally {
      await manager().update(Staff, { id: people.T2!.id }, { isActive: true });
      await manager().update(Staff, { id: people.T1!.id }, { wecomUserId: 't1' });
    }
    const told = await manager().findBy(OutboxMessage, { template: 'broadcast.cancelled' });
    // T1 (the author) had no WeCom binding by then: told by SMS.
    expect(told.map((row) => [row.channel, row.recipientKind, row.recipientRef, row.data])).toEqual([
      ['sms', 'staff', String(author.id), { kind: 'notice', title: '无人可发' }],
    ]);
  });

  it('marks an article sent in the sweep once nothing is queued, and refuses to send without a public address', async () => {
    const job = broadcastScheduledJob(LINKS);
    const article = await draft();
    await tx((m) =>
      sendArticleNow({
        manager: m,
        id: article.id,
        version: 1,
        now: at('2031-11-19', '10:00'),
        links: LINKS,
      }),
    );
    // As if the relay's settle had been lost: every recipient delivered, the article still sending.
    await manager().update(ArticleRecipient, { articleId: article.id }, { deliveryStatus: 'delivered' });
    expect(await job.run({ now: at('2031-11-19', '10:01'), manager: manager(), logger: silentLogger })).toBe(
      '0 due: 0 sent, 0 skipped, 0 cancelled, 0 failed; 1 finished sending',
    );
    expect((await manager().findOneByOrFail(Article, { id: article.id })).status).toBe('sent');

    const other = await draft();
    const noBase = { baseUrl: undefined, sessionSecret: undefined };
    const error = await tx((m) =>
      sendArticleNow({ manager: m, id: other.id, version: 1, now: at('2031-11-19', '10:00'), links: noBase }),
    ).then(
      () => undefined,
      (caught: unknown) => caught as AppError,
    );
    expect(error?.code).toBe('UNAVAILABLE');
    expect((error?.details as { problems: Array<{ key: string }> }).problems[0]?.key).toBe(
      'broadcast.error.noPublicBaseUrl',
    );
    expect((await manager().findOneByOrFail(Article, { id: other.id })).status).toBe('draft');
  });

  it('signs covers for the cover only: a picurl does not open the article page', async () => {
    const props = {
      manager: manager(),
      id: 7,
      baseUrl: 'https://x.example',
      now: at('2031-11-19', '10:00'),
      sessionSecret: undefined,
    };
    const cover = new URL(await articleCoverLink(props));
    const page = new URL(await articleLink(props));
    const check = (target: 'article' | 'article-cover', url: URL) =>
      checkBroadcastLink({
        manager: manager(),
        target,
        id: 7,
        expiry: url.searchParams.get('e') ?? '',
        signature: url.searchParams.get('s') ?? '',
        now: at('2031-11-19', '10:01'),
        sessionSecret: undefined,
      });
    expect(await check('article-cover', cover)).toBe('ok');
    expect(await check('article', cover)).toBe('invalid');
    expect(await check('article', page)).toBe('ok');
    expect(await check('article-cover', page)).toBe('invalid');
  });
});
