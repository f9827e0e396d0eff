import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDataSource } from '../db/data-source';
import { inTransaction } from '../db/transaction';
import { createStaff, type Staff } from '../features/staff';
import { startFieldline, type RunningFieldline } from '../main';
import '../../test/fixtures/test-templates';
import { FakeTwilio } from '../../test/fakes/twilio';
import { createTestDatabase, eventually, freePort, testConfig, type TestDatabase } from '../../test/support';
import { databaseEnv, startFakeWecom, TEST_CORP, wecomEnv, type FakeWecom } from '../../test/wecom';
import { enqueue } from './enqueue';
import { OutboxMessage } from './outbox.entity';

describe('notifications in the running service', () => {
  let database: TestDatabase;
  const twilio = new FakeTwilio();
  let wecom: FakeWecom;
  let port: number;
  let running: RunningFieldline;
  let engineer: Staff;

  const env = () => ({
    SERVICES: 'web',
    ...databaseEnv(database),
    ...wecomEnv(TEST_CORP, wecom.url),
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: '+8610000000000',
    TWILIO_API_BASE: twilio.url,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
  });
  const start = async () => {
    running = await startFieldline(testConfig(env()), { port, host: '127.0.0.1' });
    await running.ready;
  };
  const statusUrl = () => `http://127.0.0.1:${port}/twilio/status`;
  const outbox = () => running.database.dataSource.manager.find(OutboxMessage, { order: { id: 'ASC' } });

  beforeAll(async () => {
    database = await createTestDatabase();
    await twilio.start();
    wecom = await startFakeWecom();
    port = await freePort();
    await start();
    engineer = await inTransaction(running.database.dataSource, (manager) =>
      createStaff({
        manager,
        staffNo: 'E1001',
        name: '张三',
        role: 'engineer',
        phone: '+8613800001001',
        wecomUserId: 'zhangsan',
      }),
    );
  });
  afterAll(async () => {
    await running.stop();
    await twilio.stop();
    await wecom.close();
    await database.drop();
  });

  it('sends a committed alert within moments of the commit, with a status callback URL', async () => {
    await inTransaction(running.database.dataSource, (manager) =>
      enqueue(manager, {
        channel: 'sms',
        to: { staffId: engineer.id },
        template: 'test.alert',
        data: { text: '报竣结果：已完成' },
        dedupeKey: 'svc:1',
      }),
    );
    const sms = await eventually(() => twilio.to('+8613800001001')[0]);
    expect(sms).toMatchObject({
      body: '报竣结果：已完成',
      statusCallback: statusUrl(),
      from: '+8610000000000',
    });
  });

  it('moves delivery status only forward, ignores duplicates and spoofs, and falls back to WeCom when undelivered', async () => {
    await inTransaction(running.database.dataSource, (manager) =>
      enqueue(manager, {
        channel: 'sms',
        to: { staffId: engineer.id },
        template: 'test.alert',
        data: { text: '请回电 1183301' },
        dedupeKey: 'svc:2',
      }),
    );
    const sms = await eventually(() => twilio.to('+8613800001001').find((m) => m.body === '请回电 1183301'));
    const row = async () => (await outbox()).find((r) => r.dedupeKey === 'svc:2');
    await eventually(async () => (await row())?.status === 'sent');

    expect(await twilio.report(statusUrl(), sms.sid, 'sent')).toBe(204);
    expect((await row())?.providerStatus).toBe('sent');
    expect(await twilio.report(statusUrl(), sms.sid, 'queued')).toBe(204); // late, out of order
    expect((await row())?.providerStatus).toBe('sent');
    expect(await twilio.report(statusUrl(), sms.sid, 'delivered', { signWith: 'not-the-token' })).toBe(403);
    expect((await row())?.providerStatus).toBe('sent');

    expect(await twilio.report(statusUrl(), sms.sid, 'undelivered', { extra: { ErrorCode: '30003' } })).toBe(
      204,
    );
    expect(await twilio.report(statusUrl(), sms.sid, 'undelivered')).toBe(204); // duplicate
    expect(await row()).toMatchObject({ providerStatus: 'undelivered', lastError: 'Twilio error 30003' });
    const pushed = await eventually(() => {
      const matching = wecom.state
        .messagesFor('zhangsan')
        .filter((m) => (m.payload as { content?: string }).content === '请回电 1183301');
      return matching.length > 0 ? matching : undefined;
    });
    expect(pushed).toHaveLength(1);
    const fallbacks = await eventually(async () => {
      const rows = (await outbox()).filter(
        (r) => r.dedupeKey === 'svc:2#sms-fallback' && r.status === 'sent',
      );
      return rows.length > 0 ? rows : undefined;
    });
    expect(fallbacks).toMatchObject([{ channel: 'wecom', status: 'sent', resolvedAddress: 'zhangsan' }]);

    // A report for a message we never sent changes nothing; garbage is refused.
    expect(await twilio.report(statusUrl(), 'SM0000', 'delivered')).toBe(204);
    const bad = await fetch(statusUrl(), { method: 'POST', body: 'not=signed' });
    expect(bad.status).toBe(403);
  });

  it('still sends, after a restart, what was committed before a crash', async () => {
    await running.stop();
    // Committed while no service (and no relay) is running: as if the process died right after COMMIT.
    const dataSource = createDataSource(database.config);
    await dataSource.initialize();
    await inTransaction(dataSource, (manager) =>
      enqueue(manager, {
        channel: 'sms',
        to: { staffId: engineer.id },
        template: 'test.alert',
        data: { text: '重启后送达' },
        dedupeKey: 'svc:3',
      }),
    );
    await dataSource.destroy();
    expect(twilio.to('+8613800001001').some((m) => m.body === '重启后送达')).toBe(false);
    await start();
    await eventually(() => twilio.to('+8613800001001').some((m) => m.body === '重启后送达'));
    expect(twilio.to('+8613800001001').filter((m) => m.body === '重启后送达')).toHaveLength(1);
  });
});

describe('the log SMS provider', () => {
  it('writes each SMS to DATA_DIR/sms.log, one JSON object a line, when Twilio is not configured', async () => {
    const database = await createTestDatabase();
    const service = await startFieldline(testConfig({ SERVICES: 'web', ...databaseEnv(database) }), {
      port: 0,
      host: '127.0.0.1',
    });
    try {
      await service.ready;
      const staff = await inTransaction(service.database.dataSource, async (manager) => {
        const created = await createStaff({
          manager,
          staffNo: 'E2001',
          name: '李四',
          role: 'engineer',
          phone: '+8613800002001',
        });
        await enqueue(manager, {
          channel: 'sms',
          to: { staffId: created.id },
          template: 'test.code',
          data: { code: '654321' },
          dedupeKey: 'log:1',
        });
        return created;
      });
      const file = path.join(database.dir, 'sms.log');
      const line = await eventually(() => {
        try {
          return readFileSync(file, 'utf8').trim().split('\n')[0];
        } catch {
          return undefined;
        }
      });
      expect(JSON.parse(line)).toMatchObject({
        to: '+8613800002001',
        name: staff.name,
        body: '您的验证码是 654321，5 分钟内有效。',
      });
    } finally {
      await service.stop();
      await database.drop();
    }
  });
});
