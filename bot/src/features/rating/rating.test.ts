/**
 * Two-way ratings: tasks from archived tickets (only people who acted; idempotent, also with two
 * instances on MariaDB), rating in WeCom by text and by card buttons through the real webhook, the 24-hour
 * edit window, expiry and the one reminder (fixed `now`), and rating on the web.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IsNull, type EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { t, type MessageKey, type MessageParams } from '../../i18n';
import { findTemplate } from '../../notifications/templates';
import { OutboxMessage } from '../../notifications/outbox.entity';
import {
  captureLogger,
  createTestDatabase,
  eventually,
  openDataSource,
  type TestDatabase,
} from '../../../test/support';
import { WebClient } from '../../../test/web';
import { sendText, startBot, startFakeWecom, type FakeWecom, type RunningBot } from '../../../test/wecom';
import { setPassword } from '../accounts';
import { createStaff, Department, type Role, type Staff } from '../staff';
import { Ticket, TicketMessage, type TicketMessageType } from '../ticket';
import { RatingTask } from './rating-task.entity';
import { generateRatingTasks, rateTask } from './rating.commands';
import { ratingRemindersJob, ratingTasksJob } from './rating.job';

const say = (key: MessageKey, params?: MessageParams) => t('zh-CN', key, params);
const bj = (local: string) => new Date(`${local}+08:00`);
const PASSWORD = 'correct horse battery';
const TZ = 'Asia/Shanghai';

describe('two-way ratings', () => {
  let database: TestDatabase;
  let wecom: FakeWecom;
  let bot: RunningBot;
  const people: Record<string, Staff> = {};
  const logger = captureLogger().logger;
  const manager = () => bot.running.database.dataSource.manager;
  let sequence = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    wecom = await startFakeWecom();
    bot = await startBot({ database, apiBase: wecom.url });
    await inTransaction(bot.running.database.dataSource, async (tx) => {
      const network = await tx.save(
        tx.create(Department, { name: '网络支撑中心', kind: 'tier3', createdAt: new Date() }),
      );
      const add = async (staffNo: string, name: string, role: Role, extra = {}) => {
        people[staffNo] = await createStaff({
          manager: tx,
          staffNo,
          name,
          role,
          phone: `+86137000${staffNo.slice(1)}`.padEnd(14, '0'),
          ...extra,
        });
        if (role !== 'engineer')
          await setPassword({ manager: tx, staffId: people[staffNo].id, password: PASSWORD });
      };
      await add('E3001', '王强', 'engineer', { wecomUserId: 'wangqiang' });
      await add('T2001', '王芳', 'tier2', { wecomUserId: 'desk-wangfang' });
      await add('T2002', '陈静', 'tier2');
      await add('N4001', '孙工', 'tier3', { departmentId: network.id });
      await add('N4002', '周工', 'tier3', { departmentId: network.id });
    });
  });
  afterAll(async () => {
    await bot.stop();
    await wecom.close();
    await database.drop();
  });

  /** An archived ticket with its thread: [type, staffNo, tier] per message. */
  async function archivedTicket(
    archivedAt: Date,
    thread: ReadonlyArray<readonly [TicketMessageType, string, number]>,
    status: 'archived' | 'deflected' = 'archived',
  ): Promise<Ticket> {
    sequence += 1;
    const at = new Date(archivedAt.getTime() - 3_600_000);
    return inTransaction(manager(), async (tx: EntityManager) => {
      const ticket = await tx.save(
        tx.create(Ticket, {
          refNo: `TW20261130-${String(sequence).padStart(4, '0')}`,
          kind: 'question',
          priority: 'normal',
          status,
          tier: 2,
          departmentId: null,
          assigneeStaffId: null,
          escalatedByStaffId: null,
          reporterId: people.E3001!.id,
          areaId: null,
          question: `光猫 LOS 红灯 ${sequence}`,
          orderNo: null,
          photos: [],
          latitude: null,
          longitude: null,
          locationText: null,
          deflectedByEntryId: null,
          reopenCount: 0,
          slaAlerts: 0,
          version: 1,
          createdAt: at,
          firstResponseDueAt: at,
          resolutionDueAt: at,
          firstResponseAt: null,
          slaPausedAt: null,
          resolvedAt: status === 'archived' ? at : null,
          archivedAt: status === 'archived' ? archivedAt : null,
          updatedAt: archivedAt,
        }),
      );
      for (const [type, staffNo, tier] of thread)
        await tx.insert(TicketMessage, {
          ticketId: ticket.id,
          type,
          authorStaffId: people[staffNo]!.id,
          authorTier: tier,
          body: null,
          photos: [],
          isInternal: type === 'note',
          at,
        });
      return ticket;
    });
  }
  const tasksOf = (ticket: Ticket) =>
    manager().find(RatingTask, { where: { ticketId: ticket.id }, order: { id: 'ASC' } });
  const pair = (task: RatingTask) =>
    `${Object.keys(people).find((no) => people[no]?.id === task.raterStaffId)}→${Object.keys(people).find((no) => people[no]?.id === task.rateeStaffId)}`;
  const job = ratingTasksJob({ timeZone: TZ });

  let first: Ticket;

  it('makes tasks after the configured time, only between people who acted, once however often it runs', async () => {
    first = await archivedTicket(bj('2026-11-29T15:00'), [
      ['question', 'E3001', 1],
      ['claimed', 'T2001', 2],
      ['note', 'T2002', 2], // an internal note is not acting on the ticket
      ['escalated', 'T2001', 2],
      ['claimed', 'N4002', 3], // claimed, then left it: did not serve the engineer
      ['reply', 'N4001', 3],
      ['resolved', 'N4001', 3],
      ['confirmed', 'E3001', 1],
    ]);
    const deflected = await archivedTicket(bj('2026-11-29T16:00'), [['question', 'E3001', 1]], 'deflected');
    expect(await job.run({ now: bj('2026-11-30T08:25'), manager: manager(), logger })).toBe(
      'waiting for 08:30',
    );
    expect(await tasksOf(first)).toHaveLength(0);
    expect(await job.run({ now: bj('2026-11-30T08:30'), manager: manager(), logger })).toBe(
      'made 6 rating tasks',
    );
    expect((await tasksOf(first)).map(pair).sort()).toEqual(
      ['E3001→T2001', 'E3001→N4001', 'T2001→E3001', 'T2001→N4001', 'N4001→E3001', 'N4001→T2001'].sort(),
    );
    const task = (await tasksOf(first))[0]!;
    expect(task).toMatchObject({ status: 'pending', stars: null, tags: [], summary: '光猫 LOS 红灯 1' });
    expect(task.expiresAt).toEqual(bj('2026-12-03T08:30'));
    expect(await tasksOf(deflected)).toHaveLength(0);
    // Later ticks, the next day, a second run: nothing more.
    expect(await job.run({ now: bj('2026-11-30T08:35'), manager: manager(), logger })).toBe(
      'made 0 rating tasks',
    );
    expect(await job.run({ now: bj('2026-12-01T08:30'), manager: manager(), logger })).toBe(
      'made 0 rating tasks',
    );
    expect(await tasksOf(first)).toHaveLength(6);
  });

  it('makes each task once when two instances run at the same moment (MariaDB)', async () => {
    // SQLite is one instance on one host; a second connection in this process would block the first.
    if (database.config.kind !== 'mysql') return;
    const peer = await openDataSource(database.config, { migrate: false });
    try {
      const ticket = await archivedTicket(bj('2026-11-30T10:00'), [
        ['claimed', 'T2002', 2],
        ['resolved', 'T2002', 2],
      ]);
      const now = bj('2026-12-01T08:30');
      await Promise.all(
        [manager(), peer.manager, manager(), peer.manager].map((each) =>
          job.run({ now, manager: each, logger }),
        ),
      );
      expect((await tasksOf(ticket)).map(pair).sort()).toEqual(['E3001→T2002', 'T2002→E3001']);
      // Out of the way of the rating conversations below.
      await manager().update(RatingTask, { ticketId: ticket.id }, { status: 'expired' });
    } finally {
      await peer.destroy();
    }
  });

  const send = (userId: string, content: string) => sendText(bot.client(userId), content);
  const cards = (userId: string) =>
    wecom.state
      .messagesFor(userId)
      .filter((message) => message.msgtype === 'template_card')
      .map((message) => message.payload as { task_id: string; button_list: Array<{ key: string }> });

  it('rates in WeCom by text: stars, tags by number, a comment; then the next task follows', async () => {
    const tasks = await manager().find(RatingTask, {
      where: { raterStaffId: people.E3001!.id, status: 'pending' },
      order: { ticketArchivedAt: 'ASC', id: 'ASC' },
    });
    // Make the open tasks current (the job ran with a fixed day in the past).
    await manager().update(
      RatingTask,
      { status: 'pending' },
      { expiresAt: new Date(Date.now() + 3 * 86_400_000) },
    );
    const opening = await send('wangqiang', '评价');
    expect(opening).toContain(first.refNo);
    expect(opening).toContain('光猫 LOS 红灯 1');
    expect(opening).toContain('王芳（二级支撑）');
    const card = await eventually(() => cards('wangqiang')[0]);
    expect(card.button_list.map((button) => button.key)).toEqual(
      [1, 2, 3, 4, 5].map((stars) => `rate:${tasks[0]!.id}:${stars}`),
    );
    expect(await send('wangqiang', '6')).toBe(say('rating.flow.starsHint'));
    expect(await send('wangqiang', '4')).toContain('1 响应及时');
    expect(await send('wangqiang', '1 9')).toBe(say('rating.flow.tagsHint'));
    expect(await send('wangqiang', '1 3')).toBe(say('rating.flow.comment'));
    const saved = await send('wangqiang', '回复很及时');
    expect(saved).toContain(say('rating.flow.saved', { name: '王芳', stars: 4 }));
    expect(saved).toContain('孙工（三级支撑）'); // the next task
    expect(await manager().findOneByOrFail(RatingTask, { id: tasks[0]!.id })).toMatchObject({
      status: 'rated',
      stars: 4,
      tags: ['响应及时', '态度好'],
      comment: '回复很及时',
    });
    await send('wangqiang', '取消');
  });

  it('rates by a card button click, even with no flow in progress', async () => {
    const task = await manager().findOneByOrFail(RatingTask, {
      raterStaffId: people.E3001!.id,
      rateeStaffId: people.N4001!.id,
    });
    const client = bot.client('wangqiang');
    const click = await client.deliver(
      client.eventXml('template_card_event', `rate:${task.id}:5`, [
        ['TaskId', `rt${task.id}_1`],
        ['CardType', 'button_interaction'],
        ['ResponseCode', 'code-1'],
      ]),
    );
    expect(click.reply?.content).toContain('已选 5 星');
    expect(await send('wangqiang', '跳过')).toBe(say('rating.flow.comment'));
    expect(await send('wangqiang', '跳过')).toContain(say('rating.flow.allDone'));
    expect(await manager().findOneByOrFail(RatingTask, { id: task.id })).toMatchObject({
      status: 'rated',
      stars: 5,
      tags: [],
      comment: null,
    });
    // Someone else's task cannot be rated by clicking a forged key.
    const other = await manager().findOneByOrFail(RatingTask, {
      raterStaffId: people.T2001!.id,
      rateeStaffId: people.E3001!.id,
    });
    const forged = await client.deliver(
      client.eventXml('template_card_event', `rate:${other.id}:1`, [['TaskId', 'x']]),
    );
    expect(forged.reply?.content).toBe(say('rating.flow.unknownCard'));
    expect(await send('wangqiang', '评价')).toBe(say('rating.flow.none'));
  });

  it('lets a rating be changed for 24 hours, then locks it', async () => {
    const task = await manager().findOneByOrFail(RatingTask, {
      raterStaffId: people.N4001!.id,
      rateeStaffId: people.E3001!.id,
    });
    const ratedAt = new Date();
    const rate = (stars: number, now: Date) =>
      inTransaction(manager(), (tx) =>
        rateTask({
          manager: tx,
          taskId: task.id,
          rater: people.N4001!,
          stars,
          tags: ['信息准确'],
          comment: null,
          now,
        }),
      );
    await rate(3, ratedAt);
    const changed = await rate(4, new Date(ratedAt.getTime() + 23 * 3_600_000));
    expect(changed).toMatchObject({ stars: 4, ratedAt });
    await expect(rate(2, new Date(ratedAt.getTime() + 24 * 3_600_000))).rejects.toMatchObject({
      code: 'ILLEGAL_TRANSITION',
    });
    await expect(
      inTransaction(manager(), (tx) =>
        rateTask({
          manager: tx,
          taskId: task.id,
          rater: people.T2001!,
          stars: 5,
          tags: [],
          comment: null,
          now: ratedAt,
        }),
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      inTransaction(manager(), (tx) =>
        rateTask({
          manager: tx,
          taskId: task.id,
          rater: people.N4001!,
          stars: 0,
          tags: [],
          comment: null,
          now: ratedAt,
        }),
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('reminds once, after the set hours and held through quiet hours, and expires unrated tasks', async () => {
    // Earlier tests' tasks are not what this one is about.
    await manager().update(RatingTask, { remindedAt: IsNull() }, { remindedAt: new Date() });
    const ticket = await archivedTicket(bj('2026-12-01T11:00'), [
      ['claimed', 'T2001', 2],
      ['reply', 'T2001', 2],
      ['resolved', 'T2001', 2],
    ]);
    await job.run({ now: bj('2026-12-02T08:30'), manager: manager(), logger });
    const reminders = ratingRemindersJob({ timeZone: TZ });
    const rows = async () =>
      (
        await manager().find(OutboxMessage, { where: { template: 'rating.reminder' }, order: { id: 'ASC' } })
      ).filter((row) => row.parentId === null);
    const before = (await rows()).length;
    await reminders.run({ now: bj('2026-12-03T08:29'), manager: manager(), logger });
    expect(await rows()).toHaveLength(before);
    await reminders.run({ now: bj('2026-12-03T08:31'), manager: manager(), logger });
    const sent = (await rows()).slice(before);
    // One push per bound rater (the engineer and 王芳), not at the moment's whim: normal urgency, held at night.
    expect(sent.map((row) => [row.channel, row.recipientRef, row.urgency])).toEqual([
      ['wecom', String(people.E3001!.id), 'normal'],
      ['wecom', String(people.T2001!.id), 'normal'],
    ]);
    expect(findTemplate('rating.reminder')?.quietHours).toBe('hold');
    await reminders.run({ now: bj('2026-12-04T09:00'), manager: manager(), logger });
    expect((await rows()).length).toBe(before + sent.length);
    const tasks = await tasksOf(ticket);
    expect(tasks.every((task) => task.remindedAt !== null)).toBe(true);
    await reminders.run({ now: bj('2026-12-05T08:30'), manager: manager(), logger });
    expect((await tasksOf(ticket)).map((task) => task.status)).toEqual(['expired', 'expired']);
  });

  it('lists tasks to rate on the web for the desk, and rates there (stars required)', async () => {
    const ticket = await archivedTicket(new Date(Date.now() - 3_600_000), [
      ['claimed', 'T2002', 2],
      ['reply', 'T2002', 2],
    ]);
    await inTransaction(manager(), async (tx) => {
      await generateRatingTasks({
        manager: tx,
        from: new Date(Date.now() - 86_400_000),
        to: new Date(),
        expireAfterDays: 3,
        now: new Date(),
      });
    });
    const task = await manager().findOneByOrFail(RatingTask, {
      ticketId: ticket.id,
      raterStaffId: people.T2002!.id,
    });
    const web = new WebClient(bot.baseUrl);
    expect((await web.signIn('T2002', PASSWORD)).status).toBe(302);
    const page = await web.get('/admin/ratings/pending');
    expect(page.status).toBe(200);
    expect(page.body).toContain(ticket.refNo);
    expect(page.body).toContain('王强（装维人员）');
    const missing = await web.submit('/admin/ratings/pending', `/admin/ratings/pending/${task.id}`, {
      version: String(task.version),
    });
    expect(missing.status).toBe(400);
    const done = await web.submit('/admin/ratings/pending', `/admin/ratings/pending/${task.id}`, {
      version: String(task.version),
      stars: '5',
      tag_1: '1',
      comment: '描述清楚，配合好',
    });
    expect(done.status).toBe(302);
    expect(await manager().findOneByOrFail(RatingTask, { id: task.id })).toMatchObject({
      status: 'rated',
      stars: 5,
      tags: ['现场配合好'],
    });
    // Still editable within 24 h: shown under the editable list.
    expect((await web.get('/admin/ratings/pending')).body).toContain(`data-task="${task.id}"`);
    // Nobody rates on another's behalf.
    const other = await manager().findOneByOrFail(RatingTask, {
      ticketId: ticket.id,
      raterStaffId: people.E3001!.id,
    });
    expect(
      (
        await web.submit('/admin/ratings/pending', `/admin/ratings/pending/${other.id}`, {
          version: '1',
          stars: '3',
        })
      ).status,
    ).toBe(404);
  });
});
