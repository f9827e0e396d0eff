/**
 * The weekly points leaderboard job with a fixed `now`: nothing before the configured local time; then one
 * outbox row per active engineer with a WeCom binding, with ranks and points hand-computed from ledger
 * rows inside and just outside the local week; nothing more on a second run or from two instances at once
 * (MariaDB); nothing for a week in which nobody earned points; a long list cut to fit WeCom's text limit.
 */
import { describe, expect, it } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { t } from '../../i18n';
import { OutboxMessage } from '../../notifications/outbox.entity';
import { captureLogger, openDataSource, useTestDatabase } from '../../../test/support';
import { putSetting } from '../settings';
import { createStaff, deactivateStaff, Department, type Role, type Staff } from '../staff';
import { creditPoints } from './points.commands';
import { quizLeaderboardJob } from './leaderboard.job';
import { localWeekOf } from './leaderboard.queries';
import { quizLeaderboardSetting } from './leaderboard.settings';
import { quizLeaderboardTemplate } from './leaderboard.templates';

const TZ = 'Asia/Shanghai';
const bj = (local: string) => new Date(`${local}+08:00`);

/** The data of one engineer's leaderboard row, as the template takes it. */
type LeaderboardRow = Parameters<typeof quizLeaderboardTemplate.render>[0];

describe('weekly points leaderboard', () => {
  const db = useTestDatabase();
  const manager = () => db().dataSource.manager;
  const logger = captureLogger().logger;
  const job = quizLeaderboardJob({ timeZone: TZ });
  const people: Record<string, Staff> = {};
  let sourceId = 0;

  const rowsFor = async (week: string, on: EntityManager = manager()) =>
    (await on.find(OutboxMessage, { where: { template: 'quiz.leaderboard' }, order: { id: 'ASC' } }))
      .filter((row) => row.parentId === null && row.dedupeKey.startsWith(`quiz.leaderboard:${week}:`))
      .map((row) => ({ to: row.recipientRef, channel: row.channel, data: row.data as LeaderboardRow }));
  const credit = (staffNo: string, points: number, at: string) =>
    inTransaction(manager(), (tx) =>
      creditPoints({
        manager: tx,
        staffId: people[staffNo]!.id,
        points,
        reasonKey: 'report.lead.converted',
        sourceType: 'report',
        sourceId: (sourceId += 1),
        now: bj(at),
      }),
    );

  it('finds the local week (Monday to Sunday in TZ) and its ISO label', () => {
    expect(localWeekOf(bj('2027-03-14T23:59:59.999'), TZ)).toMatchObject({
      label: '2027-W10',
      firstDay: '2027-03-08',
      lastDay: '2027-03-14',
      from: bj('2027-03-08T00:00'),
      to: bj('2027-03-15T00:00'),
    });
    expect(localWeekOf(bj('2027-03-15T00:00'), TZ).label).toBe('2027-W11');
    // 2027-01-01 is a Friday: ISO week 53 of 2026.
    expect(localWeekOf(bj('2027-01-01T12:00'), TZ)).toMatchObject({
      label: '2026-W53',
      firstDay: '2026-12-28',
    });
  });

  it('sends last week’s board once per engineer after the configured time, with hand-computed ranks', async () => {
    await inTransaction(manager(), async (tx) => {
      const one = await tx.save(
        tx.create(Department, { name: '装维一班', kind: 'tier3', createdAt: new Date() }),
      );
      const two = await tx.save(
        tx.create(Department, { name: '装维二班', kind: 'tier3', createdAt: new Date() }),
      );
      const add = async (
        staffNo: string,
        name: string,
        extra: { role?: Role; wecomUserId?: string | null; departmentId?: number | null },
      ) => {
        people[staffNo] = await createStaff({
          manager: tx,
          staffNo,
          name,
          role: extra.role ?? 'engineer',
          phone: `+8613600${staffNo.slice(1)}`.padEnd(14, '0'),
          wecomUserId: extra.wecomUserId === undefined ? `u${staffNo}` : extra.wecomUserId,
          departmentId: extra.departmentId ?? null,
        });
      };
      await add('E7001', '王强', { departmentId: one.id });
      await add('E7002', '李四', { departmentId: one.id });
      await add('E7003', '赵六', { departmentId: two.id });
      await add('E7004', '钱七', {});
      await add('E7005', '孙八', { wecomUserId: null }); // not bound: ranked, not pushed
      await add('E7006', '周九', {}); // deactivated below: neither
      await add('T7007', '吴十', { role: 'tier2' }); // desk staff with points: ranked (as in 积分), not pushed
      await add('M7008', '郑经理', { role: 'manager' }); // no points, not an engineer: not ranked at all
    });
    await inTransaction(manager(), (tx) =>
      deactivateStaff({ manager: tx, staffId: people.E7006!.id, now: new Date() }),
    );
    // Week 2027-W10 is Monday 03-08 00:00 to Monday 03-15 00:00, Beijing time.
    await credit('E7001', 50, '2027-03-07T23:59:59.999'); // the week before
    await credit('E7001', 10, '2027-03-08T00:00'); // the first instant of the week
    await credit('E7001', 15, '2027-03-11T12:00');
    await credit('E7002', 25, '2027-03-14T23:59:59.999'); // the last instant of the week
    await credit('E7002', 40, '2027-03-15T00:00'); // the week after
    await credit('E7003', 30, '2027-03-09T10:00');
    await credit('E7004', 5, '2027-02-28T10:00');
    await credit('E7005', 20, '2027-03-10T10:00');
    await credit('E7006', 100, '2027-03-10T10:00');
    await credit('T7007', 8, '2027-03-12T10:00');
    await inTransaction(manager(), (tx) =>
      putSetting({
        manager: tx,
        definition: quizLeaderboardSetting,
        value: { isEnabled: true, weekday: 1, time: '09:00', top: 3 },
        actor: 'test',
        now: new Date(),
      }),
    );

    expect(await job.run({ now: bj('2027-03-15T08:55'), manager: manager(), logger })).toBe(
      'waiting for 2027-03-15 09:00',
    );
    expect(await rowsFor('2027-W10')).toEqual([]);

    expect(await job.run({ now: bj('2027-03-15T09:00'), manager: manager(), logger })).toBe(
      '2027-W10: 4 leaderboard push(es) queued; 5 people earned points',
    );
    // Week points: 赵六 30, 李四 25, 王强 25, 孙八 20, 吴十 8 (周九 is deactivated) → 108 from 5 people.
    // Totals among the 6 ranked (active engineers, and 吴十 with points; not 郑经理 with none):
    // 王强 75, 李四 65, 赵六 30, 孙八 20, 吴十 8, 钱七 5.
    const top = [
      { rank: 1, name: '赵六', department: '装维二班', points: 30 },
      { rank: 2, name: '李四', department: '装维一班', points: 25 },
      { rank: 2, name: '王强', department: '装维一班', points: 25 },
    ];
    const common = { week: '2027-W10', from: '2027-03-08', to: '2027-03-14', earners: 5, points: 108, top };
    const rows = await rowsFor('2027-W10');
    expect(rows).toEqual([
      {
        to: String(people.E7001!.id),
        channel: 'wecom',
        data: { ...common, own: { points: 25, rank: 2, total: 75, overallRank: 1, overallCount: 6 } },
      },
      {
        to: String(people.E7002!.id),
        channel: 'wecom',
        data: { ...common, own: { points: 25, rank: 2, total: 65, overallRank: 2, overallCount: 6 } },
      },
      {
        to: String(people.E7003!.id),
        channel: 'wecom',
        data: { ...common, own: { points: 30, rank: 1, total: 30, overallRank: 3, overallCount: 6 } },
      },
      {
        to: String(people.E7004!.id),
        channel: 'wecom',
        data: { ...common, own: { points: 0, rank: null, total: 5, overallRank: 6, overallCount: 6 } },
      },
    ]);
    expect(quizLeaderboardTemplate.render(rows[3]!.data, 'zh-CN').text).toBe(
      [
        '【我爱闯关·积分周榜】2027-W10（03-08 至 03-14）',
        '本周 5 人获得积分，共 108 分。',
        '1. 赵六（装维二班） 30 分',
        '2. 李四（装维一班） 25 分',
        '2. 王强（装维一班） 25 分',
        '……其余 2 人略',
        '',
        '您本周暂未获得积分，发送“闯关”参加闯关赚积分吧。',
        '累计积分 5 分，全员排名第 6 名（共 6 人）。',
      ].join('\n'),
    );
    expect(quizLeaderboardTemplate.render(rows[0]!.data, 'zh-CN').text).toContain(
      t('zh-CN', 'quiz.leaderboard.own', { points: 25, rank: 2 }),
    );

    // Later ticks in the week, and a rerun: nothing more.
    expect(await job.run({ now: bj('2027-03-15T09:05'), manager: manager(), logger })).toBe(
      '2027-W10: sent to 4 engineer(s) already',
    );
    expect(await job.run({ now: bj('2027-03-18T16:00'), manager: manager(), logger })).toBe(
      '2027-W10: sent to 4 engineer(s) already',
    );
    expect(await rowsFor('2027-W10')).toHaveLength(4);
  });

  it('sends once when two instances run at the same moment (MariaDB)', async () => {
    // SQLite is one instance on one host; a second connection in this process would block the first.
    if (db().database.config.kind !== 'mysql') return;
    const peer = await openDataSource(db().database.config, { migrate: false });
    try {
      // 2027-W11 has 李四's 40 points (Monday 00:00).
      const now = bj('2027-03-22T09:00');
      await Promise.all(
        [manager(), peer.manager, manager(), peer.manager].map((each) =>
          job.run({ now, manager: each, logger }),
        ),
      );
      const rows = await rowsFor('2027-W11');
      expect(rows.map((row) => row.to).sort()).toEqual(
        ['E7001', 'E7002', 'E7003', 'E7004'].map((staffNo) => String(people[staffNo]!.id)).sort(),
      );
      expect(rows[0]!.data.top).toEqual([{ rank: 1, name: '李四', department: '装维一班', points: 40 }]);
    } finally {
      await peer.destroy();
    }
  });

  it('sends nothing for a week in which nobody earned points, or when switched off', async () => {
    expect(await job.run({ now: bj('2027-03-29T09:00'), manager: manager(), logger })).toBe(
      '2027-W12: nobody earned points; nothing sent',
    );
    expect(await rowsFor('2027-W12')).toEqual([]);
    await credit('E7003', 12, '2027-03-24T10:00');
    await inTransaction(manager(), (tx) =>
      putSetting({
        manager: tx,
        definition: quizLeaderboardSetting,
        value: { isEnabled: false, weekday: 3, time: '14:30', top: 10 },
        actor: 'test',
        now: new Date(),
      }),
    );
    expect(await job.run({ now: bj('2027-03-31T15:00'), manager: manager(), logger })).toBe(
      'disabled in quiz.leaderboard',
    );
    await inTransaction(manager(), (tx) =>
      putSetting({
        manager: tx,
        definition: quizLeaderboardSetting,
        value: { isEnabled: true, weekday: 3, time: '14:30', top: 10 },
        actor: 'test',
        now: new Date(),
      }),
    );
    // Wednesday 14:30 now: Monday's tick waits, Wednesday's sends.
    expect(await job.run({ now: bj('2027-03-29T09:00'), manager: manager(), logger })).toBe(
      'waiting for 2027-03-31 14:30',
    );
    expect(await job.run({ now: bj('2027-03-31T14:30'), manager: manager(), logger })).toBe(
      '2027-W12: 4 leaderboard push(es) queued; 1 people earned points',
    );
  });

  it('cuts a long list to fit one WeCom text, keeping the reader’s own standing', () => {
    const name = '欧阳'.repeat(32);
    const data = {
      week: '2027-W10',
      from: '2027-03-08',
      to: '2027-03-14',
      earners: 25,
      points: 500,
      top: Array.from({ length: 20 }, (_, index) => ({
        rank: index + 1,
        name,
        department: '装维一班',
        points: 40 - index,
      })),
      own: { points: 3, rank: 25, total: 90, overallRank: 12, overallCount: 40 },
    };
    const { text } = quizLeaderboardTemplate.render(data, 'zh-CN');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2048);
    const shown = text.split('\n').filter((line) => line.includes(name)).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(20);
    expect(text).toContain(t('zh-CN', 'quiz.leaderboard.more', { count: 25 - shown }));
    expect(text.endsWith(t('zh-CN', 'quiz.leaderboard.total', { total: 90, rank: 12, count: 40 }))).toBe(
      true,
    );
  });
});
