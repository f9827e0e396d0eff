import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { DataSource, EntityManager } from 'typeorm';
import { WecomApiClient } from '../channels/wecom/api-client';
import { MemberThrottle } from '../channels/wecom/throttle';
import { TokenStore } from '../channels/wecom/token-store';
import { inTransaction } from '../db/transaction';
import { createStaff, ensureDutyGroup, setGroupMembership, type Staff } from '../features/staff';
import { putSetting } from '../features/settings';
import '../../test/fixtures/test-templates';
import { FakeTwilio } from '../../test/fakes/twilio';
import { decodeHeader, startFakeSmtp, type FakeSmtp } from '../../test/fakes/smtp';
import { openDataSource, captureLogger, testDatabaseKind, useTestDatabase } from '../../test/support';
import { startFakeWecom, TEST_CORP, type FakeWecom } from '../../test/wecom';
import type { ChannelSet } from './channels/channel';
import { EmailChannel } from './channels/email';
import { TwilioSmsChannel } from './channels/sms-twilio';
import { WecomPushChannel } from './channels/wecom';
import { enqueue, type EnqueueProps } from './enqueue';
import { OutboxMessage } from './outbox.entity';
import { quietHoursSetting } from './quiet-hours';
import { OutboxRelay } from './relay';

describe('outbox relay', () => {
  const db = useTestDatabase();
  const twilio = new FakeTwilio();
  let wecom: FakeWecom;
  let smtp: FakeSmtp;
  let channels: ChannelSet;
  let peer: DataSource;
  let alice: Staff;
  let bob: Staff;
  let carol: Staff;
  const logs = captureLogger('info');
  let clockNow: Date | undefined;

  const relay = (options: { dataSource?: DataSource; maxAttempts?: number } = {}) =>
    new OutboxRelay({
      dataSource: () => options.dataSource ?? db().dataSource,
      channels,
      logger: logs.logger,
      timeZone: 'Asia/Shanghai',
      baseDelayMs: 1,
      maxDelayMs: 5,
      leaseMs: 5_000,
      maxAttempts: options.maxAttempts ?? 4,
      clock: () => clockNow ?? new Date(),
    });
  const put = (props: Omit<EnqueueProps, 'dedupeKey'> & { dedupeKey?: string }, manager?: EntityManager) => {
    // Enqueued at the relay's clock: a row stamped with the real time would not be due at a fixed past `now`.
    const stamped = {
      ...props,
      dedupeKey: props.dedupeKey ?? `test:${Math.random()}`,
      now: props.now ?? clockNow,
    };
    return manager ? enqueue(manager, stamped) : inTransaction(db().dataSource, (m) => enqueue(m, stamped));
  };
  const row = (id: number) => db().dataSource.manager.findOneByOrFail(OutboxMessage, { id });

  beforeAll(async () => {
    await twilio.start();
    wecom = await startFakeWecom();
    smtp = await startFakeSmtp();
    peer =
      testDatabaseKind() === 'mysql'
        ? await openDataSource(db().database.config, { migrate: false })
        : db().dataSource;
    const api = new WecomApiClient({
      apiBase: () => wecom.url,
      corpId: TEST_CORP.corpId,
      agentId: TEST_CORP.agentId,
      secret: TEST_CORP.secret,
      logger: logs.logger,
      tokenStore: (fetchToken) =>
        new TokenStore({ dataSource: () => db().dataSource, key: 'relay-test', owner: 'test', fetchToken }),
    });
    channels = {
      sms: new TwilioSmsChannel({
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        from: '+8610000000000',
        apiBase: twilio.url,
        statusCallbackUrl: undefined,
        timeoutMs: 500,
      }),
      email: new EmailChannel({ smtpUrl: smtp.url, from: 'Fieldline <noreply@fieldline.test>' }),
      wecom: new WecomPushChannel(new MemberThrottle((to, message) => api.sendMessage(to, message))),
    };
    await inTransaction(db().dataSource, async (manager) => {
      alice = await createStaff({
        manager,
        staffNo: 'T2001',
        name: '王芳',
        role: 'tier2',
        phone: '+8613800000001',
        email: 'wangfang@fieldline.test',
        wecomUserId: 'wangfang',
      });
      bob = await createStaff({
        manager,
        staffNo: 'T2002',
        name: '李强',
        role: 'tier2',
        phone: '+8613800000002',
        language: 'en-US',
      });
      carol = await createStaff({
        manager,
        staffNo: 'T2003',
        name: '赵敏',
        role: 'tier2',
        phone: '+8613800000003',
      });
      const desk = await ensureDutyGroup({ manager, key: 'control-desk', name: '1183301 管控' });
      for (const staff of [alice, bob, carol]) {
        await setGroupMembership({
          manager,
          groupId: desk.id,
          staffId: staff.id,
          isOnDuty: staff !== carol,
          actor: 'test',
        });
      }
      await ensureDutyGroup({ manager, key: 'empty-desk', name: 'nobody' });
      const night = await ensureDutyGroup({ manager, key: 'night-desk', name: 'nobody on duty' });
      await setGroupMembership({
        manager,
        groupId: night.id,
        staffId: bob.id,
        isOnDuty: false,
        actor: 'test',
      });
      await setGroupMembership({
        manager,
        groupId: night.id,
        staffId: carol.id,
        isOnDuty: false,
        actor: 'test',
      });
      await putSetting({
        manager,
        definition: quietHoursSetting,
        value: { enabled: false, start: '22:00', end: '07:00' },
        actor: 'test',
      });
    });
  });
  afterAll(async () => {
    if (peer !== db().dataSource) await peer.destroy();
    await twilio.stop();
    await wecom.close();
    await smtp.close();
  });
  beforeEach(async () => {
    twilio.messages.length = 0;
    clockNow = undefined;
    await db().dataSource.manager.clear(OutboxMessage);
    await db().dataSource.manager.update('staff', { id: carol.id }, { phone: '+8613800000003' });
  });

  it('sends a committed message exactly once, and nothing for a rolled-back one', async () => {
    const { id } = await put({
      channel: 'sms',
      to: { staffId: alice.id },
      template: 'test.alert',
      data: { text: '新隐患 YH20261122-0001' },
    });
    await expect(
      inTransaction(db().dataSource, async (manager) => {
        await put(
          { channel: 'sms', to: { staffId: alice.id }, template: 'test.alert', data: { text: '回滚的提醒' } },
          manager,
        );
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const first = await relay().drain();
    const again = await relay().drain();
    expect(first.sent).toBe(1);
    expect(again.claimed).toBe(0);
    expect(twilio.messages.map((m) => [m.to, m.body])).toEqual([
      ['+8613800000001', '新隐患 YH20261122-0001'],
    ]);
    expect(await row(id)).toMatchObject({
      status: 'sent',
      resolvedAddress: '+8613800000001',
      attempts: 1,
      providerId: twilio.messages[0]?.sid,
    });
  });

  it('is idempotent per dedupe key, and refuses to run outside a transaction', async () => {
    const key = 'hazard:42:alert';
    const first = await put({
      channel: 'sms',
      to: { staffId: alice.id },
      template: 'test.alert',
      data: { text: 'a' },
      dedupeKey: key,
    });
    const second = await put({
      channel: 'sms',
      to: { staffId: alice.id },
      template: 'test.alert',
      data: { text: 'a' },
      dedupeKey: key,
    });
    expect(second).toEqual({ id: first.id, isDuplicate: true });
    await expect(
      enqueue(db().dataSource.manager, {
        channel: 'sms',
        to: { staffId: alice.id },
        template: 'test.alert',
        data: { text: 'x' },
        dedupeKey: 'outside',
      }),
    ).rejects.toThrow(/inside the caller/);
    await expect(
      put({ channel: 'sms', to: { staffId: alice.id }, template: 'test.alert', data: { nope: 1 } }),
    ).rejects.toThrow();
    await relay().drain();
    expect(twilio.messages).toHaveLength(1);
  });

  it('resolves the address at send time from the staff record', async () => {
    const { id } = await put({
      channel: 'sms',
      to: { staffId: carol.id },
      template: 'test.alert',
      data: { text: '号码已更正' },
    });
    await db().dataSource.manager.update('staff', { id: carol.id }, { phone: '+8613900000003' });
    await relay().drain();
    expect(twilio.messages.map((m) => m.to)).toEqual(['+8613900000003']);
    expect((await row(id)).resolvedAddress).toBe('+8613900000003');
  });

  it('marks messages dead, with the reason, when they can never be sent', async () => {
    const noMail = await put({
      channel: 'email',
      to: { staffId: bob.id },
      template: 'test.alert',
      data: { text: 'x' },
    });
    const unbound = await put({
      channel: 'wecom',
      to: { staffId: carol.id },
      template: 'test.alert',
      data: { text: 'x' },
    });
    const badNumber = await put({
      channel: 'sms',
      to: { staffId: bob.id },
      template: 'test.alert',
      data: { text: 'x' },
    });
    await db().dataSource.manager.update('staff', { id: bob.id }, { phone: '12345' });
    await relay().drain();
    expect(await row(noMail.id)).toMatchObject({
      status: 'dead',
      lastError: 'staff T2002 has no email address',
    });
    expect(await row(unbound.id)).toMatchObject({
      status: 'dead',
      lastError: 'staff T2003 has no bound WeCom account',
    });
    expect((await row(badNumber.id)).lastError).toMatch(/^PermanentSendError: Twilio 400 \(21211\)/);
    expect(logs.lines.some((line) => line.msg === 'notification dead' && line.outboxId === noMail.id)).toBe(
      true,
    );
    await db().dataSource.manager.update('staff', { id: bob.id }, { phone: '+8613800000002' });
  });

  it('retries 429s and outages with backoff until the provider is back, then gives up after the last attempt', async () => {
    twilio.failNext(429);
    twilio.failNext(503);
    const { id } = await put({
      channel: 'sms',
      to: { staffId: alice.id },
      template: 'test.alert',
      data: { text: '限流后重发' },
    });
    const r = relay();
    expect((await r.drain()).retried).toBe(1);
    expect((await row(id)).lastError).toMatch(/Twilio 429/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await r.drain()).retried).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await r.drain()).sent).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 3 });
    expect(twilio.messages).toHaveLength(1);

    await twilio.stop(); // the provider is down
    const down = await put({
      channel: 'sms',
      to: { staffId: alice.id },
      template: 'test.alert',
      data: { text: '服务中断' },
    });
    for (let i = 1; i <= 4; i += 1) {
      clockNow = new Date(Date.now() + i * 31_000); // past any backoff, and past the uncertain re-check
      await r.drain();
    }
    expect(await row(down.id)).toMatchObject({ status: 'dead', attempts: 4 });
    expect((await row(down.id)).lastError).toMatch(
      /^gave up after 4 attempts: RetryableSendError: Twilio unreachable: ECONNREFUSED/,
    );
    expect(twilio.messages).toHaveLength(1);
    await twilio.start();
  });

  it('delivers everything queued while the provider was down once it is back', async () => {
    await twilio.stop();
    const r = relay({ maxAttempts: 50 });
    const ids: number[] = [];
    for (let i = 0; i < 5; i += 1)
      ids.push(
        (
          await put({
            channel: 'sms',
            to: { staffId: alice.id },
            template: 'test.alert',
            data: { text: `积压 ${i}` },
          })
        ).id,
      );
    await r.drain();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await r.drain();
    await twilio.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await r.drain();
    expect(twilio.messages.map((m) => m.body).sort()).toEqual([
      '积压 0',
      '积压 1',
      '积压 2',
      '积压 3',
      '积压 4',
    ]);
    for (const id of ids) expect((await row(id)).status).toBe('sent');
  });

  it('does not send twice when a send timed out after Twilio accepted it', async () => {
    twilio.hangNext();
    const { id } = await put({
      channel: 'sms',
      to: { staffId: alice.id },
      template: 'test.alert',
      data: { text: '超时但已受理' },
    });
    const r = relay();
    expect((await r.drain()).retried).toBe(1);
    const uncertain = await row(id);
    expect(uncertain.uncertainSince).not.toBeNull();
    expect(uncertain.lastError).toMatch(/UncertainSendError/);
    clockNow = new Date(Date.now() + 31_000); // the re-check is due
    expect((await r.drain()).sent).toBe(1);
    expect(twilio.messages).toHaveLength(1);
    expect(await row(id)).toMatchObject({
      status: 'sent',
      providerId: twilio.messages[0]?.sid,
      uncertainSince: null,
    });
  });

  it('sends again after a crash mid-send once the lease has expired (at least once)', async () => {
    const { id } = await put({
      channel: 'sms',
      to: { staffId: alice.id },
      template: 'test.alert',
      data: { text: '崩溃后补发' },
    });
    // A relay claimed it and died before sending: the row stays 'sending' with a lease.
    await db().dataSource.manager.update(
      OutboxMessage,
      { id },
      { status: 'sending', claimToken: 'dead-relay', leaseUntil: new Date(Date.now() + 60_000), attempts: 1 },
    );
    expect((await relay().drain()).claimed).toBe(0);
    clockNow = new Date(Date.now() + 61_000);
    expect((await relay().drain()).sent).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('never lets two relays sharing the database send the same message', async () => {
    const ids: number[] = [];
    await inTransaction(db().dataSource, async (manager) => {
      for (let i = 0; i < 60; i += 1)
        ids.push(
          (
            await put(
              {
                channel: 'sms',
                to: { staffId: alice.id },
                template: 'test.alert',
                data: { text: `并发 ${i}` },
              },
              manager,
            )
          ).id,
        );
    });
    const [a, b] = await Promise.all([relay().drain(), relay({ dataSource: peer }).drain()]);
    expect(a.sent + b.sent).toBe(60);
    expect(twilio.messages).toHaveLength(60);
    expect(new Set(twilio.messages.map((m) => m.body)).size).toBe(60);
  });

  it('sends a group alert to the members on duty, and to everyone when nobody is', async () => {
    const { id } = await put({
      channel: 'sms',
      to: { group: 'control-desk' },
      template: 'test.alert',
      data: { text: '隐患上报：光交箱门损坏' },
    });
    const result = await relay().drain();
    expect(result).toMatchObject({ expanded: 1, sent: 2 });
    expect(twilio.messages.map((m) => m.to).sort()).toEqual(['+8613800000001', '+8613800000002']);
    expect(await row(id)).toMatchObject({ status: 'expanded' });
    const children = await db().dataSource.manager.findBy(OutboxMessage, { parentId: id });
    expect(children.map((child) => child.isOnDuty)).toEqual([true, true]);

    twilio.messages.length = 0;
    await put({
      channel: 'sms',
      to: { group: 'night-desk' },
      template: 'test.alert',
      data: { text: '夜间告警' },
    });
    await relay().drain();
    expect(twilio.messages.map((m) => m.to).sort()).toEqual(['+8613800000002', '+8613800000003']);
    expect(
      logs.lines.some(
        (line) =>
          line.msg === 'nobody is on duty in the group: alerting every member' && line.group === 'night-desk',
      ),
    ).toBe(true);

    const empty = await put({
      channel: 'sms',
      to: { group: 'empty-desk' },
      template: 'test.alert',
      data: { text: 'x' },
    });
    const missing = await put({
      channel: 'sms',
      to: { group: 'no-such-group' },
      template: 'test.alert',
      data: { text: 'x' },
    });
    await relay().drain();
    expect((await row(empty.id)).lastError).toBe('duty group empty-desk has no active members');
    expect((await row(missing.id)).lastError).toBe('duty group no-such-group does not exist');
  });

  it('holds non-urgent messages to off-duty staff during quiet hours, but not codes, urgent alerts or on-duty members', async () => {
    await inTransaction(db().dataSource, (manager) =>
      putSetting({
        manager,
        definition: quietHoursSetting,
        value: { enabled: true, start: '22:00', end: '07:00' },
        actor: 'test',
      }),
    );
    clockNow = new Date('2026-11-22T15:30:00Z'); // 23:30 in Asia/Shanghai
    const normal = await put({
      channel: 'sms',
      to: { staffId: carol.id },
      template: 'test.alert',
      data: { text: '明早再发' },
    });
    const urgent = await put({
      channel: 'sms',
      to: { staffId: carol.id },
      template: 'test.alert',
      data: { text: '全网故障' },
      urgency: 'urgent',
    });
    const code = await put({
      channel: 'sms',
      to: { staffId: carol.id },
      template: 'test.code',
      data: { code: '482913' },
    });
    await put({
      channel: 'sms',
      to: { group: 'control-desk' },
      template: 'test.alert',
      data: { text: '值班告警' },
    });
    const result = await relay().drain();
    expect(result).toMatchObject({ held: 1, sent: 4, expanded: 1 });
    expect(await row(normal.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await row(normal.id)).nextAttemptAt.toISOString()).toBe('2026-11-22T23:00:00.000Z'); // 07:00 local
    expect((await row(urgent.id)).status).toBe('sent');
    expect((await row(code.id)).status).toBe('sent');
    expect(twilio.messages.find((m) => m.body.includes('482913'))?.body).toBe(
      '您的验证码是 482913，5 分钟内有效。',
    );

    clockNow = new Date('2026-11-22T23:00:01Z');
    expect((await relay().drain()).sent).toBe(1);
    expect((await row(normal.id)).status).toBe('sent');
    await inTransaction(db().dataSource, (manager) =>
      putSetting({
        manager,
        definition: quietHoursSetting,
        value: { enabled: false, start: '22:00', end: '07:00' },
        actor: 'test',
      }),
    );
  });

  it('renders in the recipient’s language and sends email and WeCom pushes', async () => {
    await put({ channel: 'sms', to: { staffId: bob.id }, template: 'test.code', data: { code: '111222' } });
    await put({
      channel: 'email',
      to: { staffId: alice.id },
      template: 'test.alert',
      data: { text: '周报已生成', subject: '周报\r\nBcc: attacker@evil.test' },
    });
    await put({
      channel: 'wecom',
      to: { staffId: alice.id },
      template: 'test.alert',
      data: { text: '您的隐患上报已受理' },
    });
    await put({
      channel: 'wecom',
      to: { wecomUser: 'zhangsan' },
      template: 'bot.reply',
      data: { replies: [{ type: 'text', content: '回复内容' }] },
    });
    await relay().drain();
    expect(twilio.messages.at(-1)?.body).toBe('Your code is 111222');
    const mail = smtp.mails.at(-1);
    expect(mail?.to).toEqual(['wangfang@fieldline.test']);
    expect(decodeHeader(mail?.headers.subject ?? '')).toBe('周报 Bcc: attacker@evil.test');
    expect(mail?.headers.bcc).toBeUndefined();
    expect(mail?.raw).not.toMatch(/^Bcc:/im);
    expect(decodeHeader(mail?.headers.from ?? '')).toBe('Fieldline <noreply@fieldline.test>');
    expect(wecom.state.messagesFor('wangfang').at(-1)?.payload).toEqual({ content: '您的隐患上报已受理' });
    expect(wecom.state.messagesFor('zhangsan').at(-1)?.payload).toEqual({ content: '回复内容' });
  });
});
