/**
 * Broadcast delivery through the real outbox relay and the fake WeCom API on 127.0.0.1: 5,000 recipients
 * go out in exactly 5 message/send calls with every member reached once (WeCom's refusals recorded, not
 * failing the batch); a relay that dies after WeCom accepted a batch is taken over once its lease runs out
 * and nobody gets the article twice (WeCom's duplicate check); batch calls are paced; quiet hours hold
 * normal notices but not outage alerts; a batch's members are frozen when sending starts, so a resend is
 * the identical request whatever happens to the roster; a batch that gives up is recorded as failed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import type { NotificationChannel } from '../../notifications/channels/channel';
import type { WecomPushChannel } from '../../notifications/channels/wecom';
import { OutboxMessage } from '../../notifications/outbox.entity';
import { quietHoursSetting } from '../../notifications/quiet-hours';
import { OutboxRelay } from '../../notifications/relay';
import { captureLogger, eventually, useTestDatabase } from '../../../test/support';
import { startFakeWecom, type FakeWecom } from '../../../test/wecom';
import { zonedInstant } from '../../zoned-time';
import { putSetting } from '../settings';
import { createStaff, ensureDutyGroup, setGroupMembership, Staff } from '../staff';
import { Article, type ArticleAudience } from './article.entity';
import { ArticleRecipient } from './article-recipient.entity';
import { articleDetail } from './broadcast.queries';
import { EMPTY_AUDIENCE, type ArticleInput } from './broadcast.schema';
import { engineerNotice, fakeWecomPushChannel, sendNow } from '../../../test/broadcast-support';
import './index';

const TZ = 'Asia/Shanghai';
const PEOPLE = 5000;
const LEASE_MS = 30_000;
const userId = (index: number) => `u${String(index).padStart(5, '0')}`;
const ALL_USERS = Array.from({ length: PEOPLE }, (_, index) => userId(index + 1));

interface Deferred {
  promise: Promise<never>;
  reject: (error: Error) => void;
}

describe('broadcast delivery through the relay', () => {
  const db = useTestDatabase();
  const logs = captureLogger('info');
  let wecom: FakeWecom;
  let wecomChannel: WecomPushChannel;
  let author: Staff;
  let clockNow = zonedInstant('2031-11-19', 10 * 60, TZ);
  const manager = () => db().dataSource.manager;
  const tx = <T>(work: (m: EntityManager) => Promise<T>) => inTransaction(db().dataSource, work);

  const relay = (options: { channel?: NotificationChannel; clock?: () => Date; perMinute?: number } = {}) =>
    new OutboxRelay({
      dataSource: () => db().dataSource,
      channels: { wecom: options.channel ?? wecomChannel },
      logger: logs.logger,
      timeZone: TZ,
      baseDelayMs: 1,
      maxDelayMs: 5,
      leaseMs: LEASE_MS,
      clock: options.clock ?? (() => clockNow),
      batchLimits: { perMinute: options.perMinute ?? 28, perHour: 950 },
    });

  const send = (
    parts: Partial<ArticleInput>,
    audience: ArticleAudience = { ...EMPTY_AUDIENCE, roles: ['engineer'] },
  ) =>
    sendNow({
      dataSource: db().dataSource,
      input: engineerNotice({ audience, ...parts }),
      authorId: author.id,
      now: clockNow,
    });

  /** How many times each member received the article (by its link). */
  function receipts(articleId: number): Map<string, number> {
    const counts = new Map<string, number>();
    for (const message of wecom.state.messages) {
      const card = message.payload as { url?: string; articles?: Array<{ url: string }> };
      const url = card.url ?? card.articles?.[0]?.url ?? '';
      if (!url.includes(`/articles/${articleId}?`)) continue;
      counts.set(message.touser, (counts.get(message.touser) ?? 0) + 1);
    }
    return counts;
  }

  beforeAll(async () => {
    wecom = await startFakeWecom();
    wecomChannel = fakeWecomPushChannel({
      apiBase: () => wecom.url,
      dataSource: () => db().dataSource,
      logger: logs.logger,
      tokenKey: 'broadcast-test',
    });
    await tx(async (m) => {
      author = await createStaff({ manager: m, staffNo: 'T2001', name: '王芳', role: 'tier2' });
      const now = new Date();
      for (let start = 0; start < PEOPLE; start += 500) {
        await m
          .createQueryBuilder()
          .insert()
          .into(Staff)
          .values(
            ALL_USERS.slice(start, start + 500).map((user, offset) => ({
              staffNo: `E${String(start + offset + 1).padStart(5, '0')}`,
              name: `装维${start + offset + 1}`,
              role: 'engineer' as const,
              wecomUserId: user,
              language: 'zh-CN',
              isActive: true,
              createdAt: now,
              updatedAt: now,
            })),
          )
          .updateEntity(false)
          .execute();
      }
      const night = await ensureDutyGroup({ manager: m, key: 'night-desk', name: '夜间值守' });
      for (const user of ['u00001', 'u00002']) {
        const person = await m.findOneByOrFail(Staff, { wecomUserId: user });
        await setGroupMembership({
          manager: m,
          groupId: night.id,
          staffId: person.id,
          isOnDuty: true,
          actor: 'test',
        });
      }
      await putSetting({
        manager: m,
        definition: quietHoursSetting,
        value: { enabled: false, start: '22:00', end: '07:00' },
        actor: 'test',
      });
    });
  }, 60_000);
  afterAll(async () => {
    await wecom.close();
  });
  beforeEach(async () => {
    await manager().clear(OutboxMessage);
    wecom.state.messages.length = 0;
    wecom.state.sendCalls = 0;
    wecom.state.duplicatesSuppressed = 0;
    wecom.state.invalidUsers.clear();
    clockNow = new Date(clockNow.getTime() + 5 * 3_600_000); // past any earlier duplicate-check window
  });

  it('sends 5,000 recipients in exactly 5 calls, each member once, recording WeCom’s refusals', async () => {
    for (const user of ['u00007', 'u01500', 'u04999']) wecom.state.invalidUsers.add(user);
    const started = await send({});
    expect(started).toMatchObject({ recipients: PEOPLE, batches: 5 });

    const result = await relay().drain();
    expect(result).toMatchObject({ claimed: 5, sent: 5, dead: 0, retried: 0 });
    expect(wecom.state.sendCalls).toBe(5);
    const counts = receipts(started.article.id);
    expect(counts.size).toBe(PEOPLE - 3);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(ALL_USERS.filter((user) => !counts.has(user))).toEqual(['u00007', 'u01500', 'u04999']);
    const card = wecom.state.messages.find((message) => message.touser === 'u00001');
    expect(card).toMatchObject({ msgtype: 'textcard' });
    expect(card?.payload).toMatchObject({ title: '【业务通知】装维规范更新通知', btntxt: '阅读全文' });

    const rows = await manager().find(OutboxMessage, {
      where: { recipientKind: 'batch' },
      order: { id: 'ASC' },
    });
    expect(rows.map((row) => [row.status, row.resolvedAddress, row.providerStatus])).toEqual([
      ['sent', '1000 users', 'partial'],
      ['sent', '1000 users', 'partial'],
      ['sent', '1000 users', 'sent'],
      ['sent', '1000 users', 'sent'],
      ['sent', '1000 users', 'partial'],
    ]);
    expect(rows[1]?.lastError).toBe('invaliduser: u01500');
    const detail = await articleDetail(manager(), started.article.id);
    expect(detail?.article.status).toBe('sent');
    expect(detail?.counts).toMatchObject({
      recipients: PEOPLE,
      delivered: PEOPLE - 3,
      undelivered: 3,
      queued: 0,
    });
    const refused = await manager()
      .createQueryBuilder(ArticleRecipient, 'r')
      .innerJoin(Staff, 's', 's.id = r.staff_id')
      .select('s.wecom_user_id', 'user')
      .where('r.article_id = :id', { id: started.article.id })
      .andWhere("r.delivery_status = 'invalid'")
      .orderBy('s.wecom_user_id')
      .getRawMany<{ user: string }>();
    expect(refused.map((row) => row.user)).toEqual(['u00007', 'u01500', 'u04999']);
  }, 60_000);

  it('resumes after a relay died with a batch WeCom had accepted, without sending anyone the article twice', async () => {
    const started = await send({ title: '光猫固件升级通知' });
    let calls = 0;
    const hang: Deferred = (() => {
      let reject: (error: Error) => void = () => undefined;
      const promise = new Promise<never>((_resolve, fail) => {
        reject = fail;
      });
      return { promise, reject };
    })();
    // The second batch reaches WeCom, then the process "dies" before recording it.
    const dying: NotificationChannel = {
      channel: 'wecom',
      send: (target, message) => wecomChannel.send(target, message),
      sendBatch: async (addresses, message) => {
        calls += 1;
        const outcome = await wecomChannel.sendBatch(addresses, message);
        if (calls === 2) return hang.promise;
        return outcome;
      },
    };
    const doomed = relay({ channel: dying }).drain();
    await eventually(() => wecom.state.sendCalls === 2);
    const stuck = await manager().find(OutboxMessage, {
      where: { recipientKind: 'batch' },
      order: { id: 'ASC' },
    });
    expect(stuck.map((row) => row.status)).toEqual(['sent', 'sending', 'sending', 'sending', 'sending']);

    // Another relay, once the dead one's lease has run out, takes every unfinished batch over.
    const later = new Date(clockNow.getTime() + LEASE_MS + 1_000);
    const result = await relay({ clock: () => later }).drain();
    expect(result).toMatchObject({ claimed: 4, sent: 4 });
    expect(wecom.state.sendCalls).toBe(6);
    expect(wecom.state.duplicatesSuppressed).toBe(1);
    let counts = receipts(started.article.id);
    expect(counts.size).toBe(PEOPLE);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect((await manager().findOneByOrFail(Article, { id: started.article.id })).status).toBe('sent');

    // The old relay wakes up: its claims are gone, and it checks before each batch, so it sends nothing.
    hang.reject(new Error('the process died'));
    const late = await doomed;
    expect(late.sent).toBe(1); // only the first batch was ever its own to record
    expect(wecom.state.sendCalls).toBe(6);
    expect(wecom.state.duplicatesSuppressed).toBe(1);
    counts = receipts(started.article.id);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(
      logs.lines.some(
        (line) => line.msg === 'outbox row was claimed by another relay after our lease expired',
      ),
    ).toBe(true);
  }, 60_000);

  it('paces batch calls within the per-minute budget without losing any', async () => {
    const started = await send({ title: '装维安全生产通知' });
    const paced = relay({ perMinute: 2 });
    expect(await paced.drain()).toMatchObject({ sent: 2, held: 3 });
    expect(wecom.state.sendCalls).toBe(2);
    const waiting = await manager().find(OutboxMessage, {
      where: { recipientKind: 'batch', status: 'pending' },
    });
    expect(waiting.map((row) => [row.lastError, row.attempts])).toEqual(
      Array(3).fill(['paced: WeCom batch calls per minute/hour (this process)', 0]),
    );
    expect(await paced.drain()).toMatchObject({ claimed: 0 });
    clockNow = new Date(clockNow.getTime() + 61_000);
    expect(await paced.drain()).toMatchObject({ sent: 2, held: 1 });
    clockNow = new Date(clockNow.getTime() + 61_000);
    expect(await paced.drain()).toMatchObject({ sent: 1, held: 0 });
    expect(wecom.state.sendCalls).toBe(5);
    expect(receipts(started.article.id).size).toBe(PEOPLE);
  }, 60_000);

  it('holds normal notices for quiet hours but not outage alerts; keeps people deactivated meanwhile in the batch', async () => {
    await tx((m) =>
      putSetting({
        manager: m,
        definition: quietHoursSetting,
        value: { enabled: true, start: '22:00', end: '07:00' },
        actor: 'test',
      }),
    );
    try {
      clockNow = zonedInstant('2031-12-01', 23 * 60, TZ);
      const desk = { ...EMPTY_AUDIENCE, groupKeys: ['night-desk'] };
      const notice = await send({ title: '夜间普通通知' }, desk);
      const outage = await send(
        { kind: 'outage', title: '城区 BRAS 故障', summary: '城区拨号失败 691' },
        desk,
      );
      await manager().update(Staff, { wecomUserId: 'u00002' }, { isActive: false });
      const result = await relay().drain();
      expect(result).toMatchObject({ sent: 1, held: 1 });
      // The batch was frozen when sending started: u00002 is still in it (WeCom decides who it reaches).
      expect([...receipts(outage.article.id).keys()]).toEqual(['u00001', 'u00002']);
      expect(receipts(notice.article.id).size).toBe(0);
      const held = await manager().findOneByOrFail(OutboxMessage, {
        recipientRef: `article:${notice.article.id}:0`,
      });
      expect(held.nextAttemptAt.toISOString()).toBe(zonedInstant('2031-12-02', 7 * 60, TZ).toISOString());
      const outageRows = await manager().find(ArticleRecipient, {
        where: { articleId: outage.article.id },
        order: { staffId: 'ASC' },
      });
      expect(outageRows.map((row) => row.deliveryStatus)).toEqual(['delivered', 'delivered']);
      expect((await manager().findOneByOrFail(Article, { id: outage.article.id })).status).toBe('sent');
      expect((await manager().findOneByOrFail(Article, { id: notice.article.id })).status).toBe('sending');
    } finally {
      await manager().update(Staff, { wecomUserId: 'u00002' }, { isActive: true });
      await tx((m) =>
        putSetting({
          manager: m,
          definition: quietHoursSetting,
          value: { enabled: false, start: '22:00', end: '07:00' },
          actor: 'test',
        }),
      );
    }
  });

  it('records a batch that gives up as failed and still settles the article', async () => {
    const started = await send({ title: '不会送达的通知' }, { ...EMPTY_AUDIENCE, groupKeys: ['night-desk'] });
    wecom.state.failNext('message/send', 40008);
    expect(await relay().drain()).toMatchObject({ dead: 1 });
    const rows = await manager().findBy(ArticleRecipient, { articleId: started.article.id });
    expect(rows.map((row) => row.deliveryStatus)).toEqual(['failed', 'failed']);
    expect((await manager().findOneByOrFail(Article, { id: started.article.id })).status).toBe('sent');
  });
});
