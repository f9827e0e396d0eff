/**
 * Resending WeCom batches after a crash, with the fake WeCom API on 127.0.0.1 on the same clock as the
 * relay: a batch is frozen when sending starts, so a roster change between the accepted attempt and the
 * retry changes nothing and WeCom's duplicate check stops the resend; reminder rounds keep their own
 * members; a batch that may have reached WeCom is never held for quiet hours, and one first attempted
 * longer ago than the duplicate-check window is given up instead of resent; two relays settling the last
 * two batches at once still mark the article sent (MariaDB: the article row is locked).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import Koa from 'koa';
import type { EntityManager } from 'typeorm';
import { FakeWecomState, fakeWecomApiRoutes } from '../../channels/wecom/fake-api';
import { inTransaction } from '../../db/transaction';
import { retryOutboxMessage } from '../../notifications';
import type { NotificationChannel } from '../../notifications/channels/channel';
import type { WecomPushChannel } from '../../notifications/channels/wecom';
import { OutboxMessage } from '../../notifications/outbox.entity';
import { quietHoursSetting } from '../../notifications/quiet-hours';
import { OutboxRelay } from '../../notifications/relay';
import { captureLogger, eventually, startTestServer, useTestDatabase } from '../../../test/support';
import { TEST_CORP } from '../../../test/wecom';
import { zonedInstant } from '../../zoned-time';
import { putSetting } from '../settings';
import { createStaff, Staff } from '../staff';
import { Article } from './article.entity';
import { ArticleRecipient } from './article-recipient.entity';
import type { ArticleInput } from './broadcast.schema';
import { remindUnreadRecipients } from './broadcast.sending';
import { engineerNotice, fakeWecomPushChannel, sendNow, TEST_LINKS } from '../../../test/broadcast-support';
import './index';

const TZ = 'Asia/Shanghai';
const LEASE_MS = 30_000;
/** Two languages: every article to engineers goes out in two batches. */
const ENGINEERS = [
  { user: 'zh1', language: 'zh-CN' },
  { user: 'zh2', language: 'zh-CN' },
  { user: 'zh3', language: 'zh-CN' },
  { user: 'en1', language: 'en-US' },
];

/** A relay that "dies" on its first batch call right after WeCom accepted it. */
function dyingOnFirstBatch(channel: WecomPushChannel): NotificationChannel {
  return {
    channel: 'wecom',
    send: (target, message) => channel.send(target, message),
    sendBatch: async (addresses, message) => {
      await channel.sendBatch(addresses, message);
      return new Promise<never>(() => undefined);
    },
  };
}

describe('broadcast batches resent after a crash', () => {
  const db = useTestDatabase();
  const logs = captureLogger('info');
  let clockNow = zonedInstant('2031-11-19', 10 * 60, TZ);
  const state = new FakeWecomState(
    { corpId: TEST_CORP.corpId, secret: TEST_CORP.secret, agentId: TEST_CORP.agentId },
    () => clockNow.getTime(),
  );
  let server: { url: string; close(): Promise<void> };
  let channel: WecomPushChannel;
  let author: Staff;
  const manager = () => db().dataSource.manager;
  const tx = <T>(work: (m: EntityManager) => Promise<T>) => inTransaction(db().dataSource, work);

  const relay = (options: { channel?: NotificationChannel; batchSize?: number; clock?: () => Date } = {}) =>
    new OutboxRelay({
      dataSource: () => db().dataSource,
      channels: { wecom: options.channel ?? channel },
      logger: logs.logger,
      timeZone: TZ,
      baseDelayMs: 1,
      maxDelayMs: 5,
      leaseMs: LEASE_MS,
      clock: options.clock ?? (() => clockNow),
      batchSize: options.batchSize ?? 50,
    });

  const send = (parts: Partial<ArticleInput> = {}) =>
    sendNow({
      dataSource: db().dataSource,
      input: engineerNotice(parts),
      authorId: author.id,
      now: clockNow,
    });

  /** Messages per member for one article (cards and reminders alike carry its link). */
  function receipts(articleId: number): Map<string, number> {
    const counts = new Map<string, number>();
    for (const message of state.messages) {
      const card = message.payload as { url?: string };
      if (!(card.url ?? '').includes(`/articles/${articleId}?`)) continue;
      counts.set(message.touser, (counts.get(message.touser) ?? 0) + 1);
    }
    return counts;
  }

  const quietHours = (enabled: boolean) =>
    tx((m) =>
      putSetting({
        manager: m,
        definition: quietHoursSetting,
        value: { enabled, start: '22:00', end: '07:00' },
        actor: 'test',
      }),
    );

  beforeAll(async () => {
    const app = new Koa();
    app.silent = true;
    app.use(fakeWecomApiRoutes(state).routes());
    server = await startTestServer(app.callback());
    channel = fakeWecomPushChannel({
      apiBase: () => server.url,
      dataSource: () => db().dataSource,
      logger: logs.logger,
      tokenKey: 'resend-test',
      clock: () => clockNow.getTime(),
    });
    await tx(async (m) => {
      author = await createStaff({ manager: m, staffNo: 'T2001', name: '王芳', role: 'tier2' });
      for (const [index, engineer] of ENGINEERS.entries()) {
        const person = await createStaff({
          manager: m,
          staffNo: `E${index + 1}`,
          name: `装维${index + 1}`,
          role: 'engineer',
        });
        await m.update(Staff, { id: person.id }, { wecomUserId: engineer.user, language: engineer.language });
      }
    });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(async () => {
    await manager().clear(OutboxMessage);
    state.messages.length = 0;
    state.sendCalls = 0;
    state.duplicatesSuppressed = 0;
    // Past any earlier duplicate-check window, in the daytime.
    clockNow = zonedInstant('2031-11-19', 10 * 60, TZ);
    clockNow = new Date(clockNow.getTime() + Math.floor(Math.random() * 1000) * 86_400_000);
    await quietHours(false);
    await manager().update(Staff, { role: 'engineer' }, { isActive: true });
    for (const engineer of ENGINEERS)
      await manager().update(
        Staff,
        { staffNo: `E${ENGINEERS.indexOf(engineer) + 1}` },
        {
          wecomUserId: engineer.user,
        },
      );
  });

  it('resends the frozen batch after a deactivation and a rebind: nobody gets it twice', async () => {
    const started = await send();
    void relay({ channel: dyingOnFirstBatch(channel) }).drain();
    await eventually(() => state.sendCalls === 1);
    // Between the accepted attempt and the retry the roster changes.
    await manager().update(Staff, { wecomUserId: 'zh2' }, { isActive: false });
    await manager().update(Staff, { wecomUserId: 'zh3' }, { wecomUserId: 'zh3-new' });
    clockNow = new Date(clockNow.getTime() + LEASE_MS + 1_000);
    expect(await relay().drain()).toMatchObject({ claimed: 2, sent: 2 });
    expect(state.duplicatesSuppressed).toBe(1);
    const counts = receipts(started.article.id);
    expect(Object.fromEntries(counts)).toEqual({ zh1: 1, zh2: 1, zh3: 1, en1: 1 });
    const rows = await manager().find(ArticleRecipient, {
      where: { articleId: started.article.id },
      order: { id: 'ASC' },
    });
    expect(rows.map((row) => [row.wecomUserId, row.deliveryStatus])).toEqual([
      ['en1', 'delivered'],
      ['zh1', 'delivered'],
      ['zh2', 'delivered'],
      ['zh3', 'delivered'],
    ]);
    expect((await manager().findOneByOrFail(Article, { id: started.article.id })).status).toBe('sent');
  });

  it('keeps each reminder round to its own members while an earlier round is still pending', async () => {
    const started = await send({ kind: 'outage', title: '城北 OLT 板卡故障', summary: '城北片区断网' });
    expect(await relay().drain()).toMatchObject({ sent: 2 });
    const round1 = await tx((m) =>
      remindUnreadRecipients({ manager: m, id: started.article.id, now: clockNow, links: TEST_LINKS }),
    );
    expect(round1).toMatchObject({ round: 1, reminded: 4 });
    // Round 1 is not sent yet (say WeCom was down); meanwhile two people read it and a new round starts.
    await manager().update(
      ArticleRecipient,
      { articleId: started.article.id, wecomUserId: 'zh1' },
      { readAt: clockNow },
    );
    await manager().update(
      ArticleRecipient,
      { articleId: started.article.id, wecomUserId: 'en1' },
      { readAt: clockNow },
    );
    clockNow = new Date(clockNow.getTime() + 6 * 60_000);
    const round2 = await tx((m) =>
      remindUnreadRecipients({ manager: m, id: started.article.id, now: clockNow, links: TEST_LINKS }),
    );
    expect(round2).toMatchObject({ round: 2, reminded: 2 });
    expect(await relay().drain()).toMatchObject({ sent: 3 }); // round 1: zh + en batch; round 2: zh
    const reminders = state.messages
      .filter((message) =>
        /^(【提醒】|\[Reminder\])/.test((message.payload as { title?: string }).title ?? ''),
      )
      .map((message) => message.touser)
      .sort();
    // Round 1 went to everyone it was started for (once each); round 2 only to the two still unread.
    expect(reminders).toEqual(['en1', 'zh1', 'zh2', 'zh2', 'zh3', 'zh3'].sort());
    const rows = await manager().find(ArticleRecipient, {
      where: { articleId: started.article.id },
      order: { id: 'ASC' },
    });
    expect(rows.map((row) => [row.wecomUserId, row.reminderRound, row.remindedAt !== null])).toEqual([
      ['en1', 1, true],
      ['zh1', 1, true],
      ['zh2', 2, true],
      ['zh3', 2, true],
    ]);
  });

  it('never holds a batch that may have reached WeCom for quiet hours; the resend is suppressed', async () => {
    await quietHours(true);
    const day = new Date(clockNow.getTime()).toISOString();
    clockNow = new Date(zonedInstant(day.slice(0, 10), 21 * 60 + 59, TZ).getTime() + 50_000); // 21:59:50
    const started = await send();
    void relay({ channel: dyingOnFirstBatch(channel), batchSize: 1 }).drain();
    await eventually(() => state.sendCalls === 1);
    clockNow = new Date(clockNow.getTime() + LEASE_MS + 10_000); // 22:00:30: quiet hours
    const result = await relay().drain();
    // The attempted batch goes again (WeCom suppresses it); the one never attempted waits for morning.
    expect(result).toMatchObject({ sent: 1, held: 1 });
    expect(state.duplicatesSuppressed).toBe(1);
    expect([...receipts(started.article.id).values()].every((count) => count === 1)).toBe(true);
    const rows = await manager().find(OutboxMessage, {
      where: { recipientKind: 'batch' },
      order: { id: 'ASC' },
    });
    expect(rows.map((row) => row.status)).toEqual(['sent', 'pending']);
    expect(rows[1]?.lastError).toMatch(/^held for quiet hours until /);
  });

  it('gives up a batch first attempted longer ago than the duplicate check covers; a retry is deliberate', async () => {
    const started = await send();
    void relay({ channel: dyingOnFirstBatch(channel), batchSize: 1 }).drain();
    await eventually(() => state.sendCalls === 1);
    clockNow = new Date(clockNow.getTime() + 3 * 3_600_000 + 50 * 60_000); // 3 h 50 min later
    expect(await relay().drain()).toMatchObject({ sent: 1, dead: 1 });
    const rows = await manager().find(OutboxMessage, {
      where: { recipientKind: 'batch' },
      order: { id: 'ASC' },
    });
    expect(rows.map((row) => row.status)).toEqual(['dead', 'sent']);
    expect(rows[0]?.lastError).toMatch(/^not resent: first attempted at .* 4-hour duplicate check/);
    expect(Object.fromEntries(receipts(started.article.id))).toEqual({ zh1: 1, zh2: 1, zh3: 1, en1: 1 });
    // An operator retries it knowing the risk: past WeCom's window it is delivered again.
    clockNow = new Date(clockNow.getTime() + 20 * 60_000);
    await tx((m) => retryOutboxMessage({ manager: m, id: rows[0]!.id, now: clockNow }));
    expect(await relay().drain()).toMatchObject({ sent: 1 });
    expect(receipts(started.article.id).size).toBe(4);
    expect(state.duplicatesSuppressed).toBe(0);
  });

  it('marks the article sent when two relays settle its last two batches at once', async () => {
    for (let round = 0; round < 5; round += 1) {
      clockNow = new Date(clockNow.getTime() + 5 * 3_600_000);
      const started = await send({ title: `并发结算 ${round}` });
      let waiting: Array<() => void> = [];
      // Both relays hold after WeCom answered until the other has too, then record at the same moment.
      const barrier = () =>
        new Promise<void>((resolve) => {
          setTimeout(resolve, 2_000).unref();
          waiting.push(resolve);
          if (waiting.length === 2) {
            waiting.forEach((release) => release());
            waiting = [];
          }
        });
      const synced: NotificationChannel = {
        channel: 'wecom',
        send: (target, message) => channel.send(target, message),
        sendBatch: async (addresses, message) => {
          const outcome = await channel.sendBatch(addresses, message);
          await barrier();
          return outcome;
        },
      };
      const before = state.sendCalls;
      const first = relay({ channel: synced, batchSize: 1 }).drain();
      await eventually(() => state.sendCalls === before + 1);
      await Promise.all([first, relay({ channel: synced, batchSize: 1 }).drain()]);
      const article = await manager().findOneByOrFail(Article, { id: started.article.id });
      expect([round, article.status]).toEqual([round, 'sent']);
    }
  }, 60_000);
});
