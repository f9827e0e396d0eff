/**
 * Hand-off to the operator's order system: a real HTTP server on 127.0.0.1 plays the order system,
 * checks the signature, and answers completed, rejected, manual — or fails first and succeeds on the
 * retry. The answer decides the request and the engineer hears it at the fake WeCom API.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inTransaction } from '../../db/transaction';
import { t } from '../../i18n';
import { putSetting, resetSetting } from '../settings';
import { orderNoPatternSetting } from './completion.settings';
import { orderSystemSignature } from '../../notifications/channels/order-system';
import { OutboxMessage } from '../../notifications/outbox.entity';
import { FakeTwilio } from '../../../test/fakes/twilio';
import { startBotWithSms } from '../../../test/sms-bot';
import { makeStaffGraph } from '../../../test/staff-graph';
import { eventually, startTestServer, type TestServer } from '../../../test/support';
import type { FakeWecom, RunningBot } from '../../../test/wecom';
import type { Staff } from '../staff';
import { CompletionEvent } from './completion-event.entity';
import { submitCompletion } from './completion.commands';
import { CompletionRequest } from './completion.entity';

const SECRET = 'order-system-secret-0123456789abcdef';
const JPEG = (label: string) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(label)]);

interface Received {
  readonly body: Record<string, unknown>;
  readonly isSignatureValid: boolean;
}

describe('completion hand-off to the order system', () => {
  const twilio = new FakeTwilio();
  let wecom: FakeWecom;
  let stop: () => Promise<void>;
  let orders: TestServer;
  let bot: RunningBot;
  let engineer: Staff;
  const received: Received[] = [];
  /** What the fake order system answers per order number: a queue of [status, body]. */
  const script = new Map<string, Array<[number, unknown]>>();

  beforeAll(async () => {
    orders = await startTestServer((request: http.IncomingMessage, response: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const timestamp = String(request.headers['x-fieldline-timestamp'] ?? '');
        const body = JSON.parse(text) as Record<string, unknown>;
        received.push({
          body,
          isSignatureValid:
            request.headers['x-fieldline-signature'] === orderSystemSignature(SECRET, timestamp, text),
        });
        const [status, answer] = script.get(String(body.orderNo))?.shift() ?? [200, { result: 'manual' }];
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer));
      });
    });
    ({ wecom, bot, stop } = await startBotWithSms(twilio, {
      ORDER_SYSTEM_URL: `${orders.url}/completions`,
      ORDER_SYSTEM_SECRET: SECRET,
    }));
    await inTransaction(bot.running.database.dataSource, async (manager) => {
      const { people } = await makeStaffGraph(manager, {
        people: {
          E8001: { name: '郑工', role: 'engineer', phone: '+8613900008001', wecomUserId: 'zhenggong' },
          C8001: { name: '报竣员', role: 'tier2', phone: '+8613900008101' },
        },
        groups: { 'completion-desk': { name: '报竣组', onDuty: ['C8001'] } },
      });
      engineer = people.E8001!;
    });
  });
  afterAll(async () => {
    await stop();
    await orders.close();
  });

  const manager = () => bot.running.database.dataSource.manager;
  const submit = (orderNo: string) =>
    inTransaction(bot.running.database.dataSource, (tx) =>
      submitCompletion({
        manager: tx,
        reporter: engineer,
        orderNo,
        businessType: '修障',
        photos: [
          { item: '处理后的设备', key: `${'a'.repeat(64)}.jpg` },
          { item: '光功率计读数', key: `${'b'.repeat(64)}.jpg` },
        ],
        serials: [],
        opticalPowerDbm: -18.5,
        remarks: null,
        handOffToOrderSystem: true,
        timeZone: 'Asia/Shanghai',
        now: new Date(),
      }),
    );
  const pushes = () =>
    wecom.state.messagesFor('zhenggong').map((message) => (message.payload as { content: string }).content);

  it('sends a signed document and completes the request with the order system’s answer', async () => {
    script.set('2026113000001', [[200, { result: 'completed', note: '系统已报竣' }]]);
    const request = await submit('2026113000001');
    const done = await eventually(async () => {
      const row = await manager().findOneByOrFail(CompletionRequest, { id: request.id });
      return row.status === 'completed' ? row : undefined;
    });
    expect(done).toMatchObject({ resultNote: '系统已报竣', decidedByStaffId: null, openOrderNo: null });
    const call = received.find((entry) => entry.body.orderNo === '2026113000001');
    expect(call?.isSignatureValid).toBe(true);
    expect(call?.body).toMatchObject({ refNo: request.refNo, businessType: '修障', opticalPowerDbm: -18.5 });
    await eventually(() =>
      pushes().find((text) => text.includes(request.refNo) && text.includes('系统已报竣')),
    );
    expect(twilio.to('+8613900008101').filter((sms) => sms.body.includes(request.refNo))).toHaveLength(0);
  });

  it('rejects with the order system’s reason', async () => {
    script.set('2026113000002', [
      [200, { result: 'rejected', reason: '工单状态不允许报竣', note: '请先完成施工环节' }],
    ]);
    const request = await submit('2026113000002');
    const done = await eventually(async () => {
      const row = await manager().findOneByOrFail(CompletionRequest, { id: request.id });
      return row.status === 'rejected' ? row : undefined;
    });
    expect(done.rejectReason).toBe('工单状态不允许报竣');
    await eventually(() =>
      pushes().find((text) => text.includes(request.refNo) && text.includes('工单状态不允许报竣')),
    );
  });

  it('retries after a server error and then applies the answer', async () => {
    script.set('2026113000003', [
      [503, { error: 'busy' }],
      [200, { result: 'completed' }],
    ]);
    const request = await submit('2026113000003');
    const row = await eventually(async () => {
      const found = await manager().findOneBy(OutboxMessage, {
        dedupeKey: `completion:${request.id}:handoff`,
      });
      return found?.lastError ? found : undefined;
    });
    expect(row).toMatchObject({ status: 'pending', channel: 'orders' });
    expect(row.lastError).toContain('503');
    // Skip the backoff: the row is due now, and the relay is woken.
    await manager().update(OutboxMessage, { id: row.id }, { nextAttemptAt: new Date() });
    bot.running.services.notifications.relay.kick();
    await eventually(async () => {
      const found = await manager().findOneByOrFail(CompletionRequest, { id: request.id });
      return found.status === 'completed';
    });
    expect(received.filter((entry) => entry.body.orderNo === '2026113000003')).toHaveLength(2);
  });

  it('hands a request back to the desk when the order system says it must be done by hand', async () => {
    script.set('2026113000004', [[200, { result: 'manual', note: '光功率需人工复核' }]]);
    const request = await submit('2026113000004');
    await eventually(() => twilio.to('+8613900008101').find((sms) => sms.body.includes(request.refNo)));
    expect(await manager().findOneByOrFail(CompletionRequest, { id: request.id })).toMatchObject({
      status: 'pending',
    });
    expect(await manager().countBy(CompletionEvent, { requestId: request.id, type: 'manual' })).toBe(1);
  });

  it('gives up on an answer it does not understand, leaving the request to the desk', async () => {
    script.set('2026113000005', [[200, { result: 'maybe' }]]);
    const request = await submit('2026113000005');
    const row = await eventually(async () => {
      const found = await manager().findOneBy(OutboxMessage, {
        dedupeKey: `completion:${request.id}:handoff`,
      });
      return found?.status === 'dead' ? found : undefined;
    });
    expect(row.lastError).toContain('not understood');
    expect(await manager().findOneByOrFail(CompletionRequest, { id: request.id })).toMatchObject({
      status: 'pending',
    });
  });

  it('asks again for what no longer passes when the rules change during the conversation', async () => {
    const client = bot.client('zhenggong');
    const say = async (text: string) => (await client.deliver(client.textXml(text))).reply?.content ?? '';
    const replies = [await say('报竣 2026113000099'), await say('4')];
    const mediaId = wecom.state.addMedia(JPEG('removed-ont'), 'image/jpeg');
    replies.push((await client.deliver(client.imageXml(mediaId))).reply?.content ?? '');
    replies.push(await say('ZTEG12345678'), await say('好了'), await say('跳过'));
    // The operator tightens the order-number pattern before the engineer submits.
    await inTransaction(bot.running.database.dataSource, (tx) =>
      putSetting({ manager: tx, definition: orderNoPatternSetting, value: '^9[0-9]{12}$', actor: 'test' }),
    );
    const answer = await say('提交');
    expect(answer).toContain(t('zh-CN', 'completion.flow.recheck'));
    expect(answer).toContain(t('zh-CN', 'completion.flow.askOrder'));
    expect(replies.join('\n')).not.toContain('没有识别');
    expect(await manager().countBy(CompletionRequest, { orderNo: '2026113000099' })).toBe(0);
    await inTransaction(bot.running.database.dataSource, (tx) =>
      resetSetting({ manager: tx, definition: orderNoPatternSetting }),
    );
  });
});
