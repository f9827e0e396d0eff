/**
 * Offline completion requests, the whole loop: an engineer files a request through the real webhook
 * (a photo before the command, photos out of checklist order, a file that is not an image, a scanned
 * serial, an optical power outside the thresholds), the completion desk gets the SMS at the fake Twilio,
 * desk staff claim (two at once: one wins), reject and — after a resubmission — complete on the web, and
 * every decision reaches the engineer at the fake WeCom API. Re-alerts run from their job with a fixed
 * `now`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type WecomClient } from '../../../../scripts/sim/wecom-client';
import { inTransaction } from '../../db/transaction';
import { t, type MessageKey, type MessageParams } from '../../i18n';
import { OutboxMessage } from '../../notifications/outbox.entity';
import { findTemplate } from '../../notifications/templates';
import { FakeTwilio } from '../../../test/fakes/twilio';
import { captureLogger, eventually } from '../../../test/support';
import { WebClient } from '../../../test/web';
import { startBotWithSms } from '../../../test/sms-bot';
import { makeStaffGraph } from '../../../test/staff-graph';
import { sendText, type FakeWecom, type RunningBot } from '../../../test/wecom';
import { AuditEntry } from '../audit';
import type { Staff } from '../staff';
import { CompletionEvent } from './completion-event.entity';
import { claimCompletion, submitCompletion } from './completion.commands';
import { CompletionRequest } from './completion.entity';
import { completionRealertsJob } from './completion.job';

const say = (key: MessageKey, params?: MessageParams) => t('zh-CN', key, params);
const PASSWORD = 'correct horse battery';
const JPEG = (label: string) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(label)]);
const bj = (local: string) => new Date(`${local}+08:00`);
const ORDER = '2026113000123';

describe('offline completion requests, closed loop', () => {
  const twilio = new FakeTwilio();
  let wecom: FakeWecom;
  let bot: RunningBot;
  let stop: () => Promise<void>;
  const people: Record<string, Staff> = {};

  beforeAll(async () => {
    ({ wecom, bot, stop } = await startBotWithSms(twilio));
    await inTransaction(bot.running.database.dataSource, async (manager) => {
      const graph = await makeStaffGraph(manager, {
        password: PASSWORD,
        departments: { east: { name: '城东片区', kind: 'area' } },
        people: {
          E3001: {
            name: '王强',
            role: 'engineer',
            phone: '+8613700003001',
            wecomUserId: 'wangqiang',
            department: 'east',
          },
          E3002: { name: '刘洋', role: 'engineer', phone: '+8613700003002', wecomUserId: 'liuyang' },
          T2001: { name: '王芳', role: 'tier2', phone: '+8613700001001' },
          T2002: { name: '陈静', role: 'tier2', phone: '+8613700001002' },
          M3001: { name: '赵经理', role: 'manager', phone: '+8613700006001', department: 'east' },
          L9001: { name: '钱组长', role: 'tier2', phone: '+8613700009001' },
        },
        groups: {
          'completion-desk': { name: '线下报竣', onDuty: ['T2001'], offDuty: ['T2002'] },
          'duty-leads': { name: '值班组长', onDuty: ['L9001'] },
        },
      });
      Object.assign(people, graph.people);
    });
  });
  afterAll(() => stop());

  const manager = () => bot.running.database.dataSource.manager;
  async function photo(client: WecomClient, data: Buffer, type = 'image/jpeg'): Promise<string> {
    const mediaId = wecom.state.addMedia(data, type);
    const result = await client.deliver(client.imageXml(mediaId));
    expect(result.status).toBe(200);
    return result.reply?.content ?? '';
  }
  async function scan(client: WecomClient, code: string): Promise<string> {
    const xml = client.eventXml('scancode_waitmsg', 'SCAN_SN', [
      [
        'ScanCodeInfo',
        {
          children: [
            ['ScanType', 'barcode'],
            ['ScanResult', code],
          ],
        },
      ],
    ]);
    const result = await client.deliver(xml);
    expect(result.status).toBe(200);
    return result.reply?.content ?? '';
  }
  const pushesTo = (userId: string) =>
    wecom.state
      .messagesFor(userId)
      .filter((message) => message.msgtype === 'text')
      .map((message) => (message.payload as { content: string }).content);
  async function signedIn(staffNo: string): Promise<WebClient> {
    const web = new WebClient(bot.baseUrl);
    expect((await web.signIn(staffNo, PASSWORD)).status).toBe(302);
    return web;
  }
  const reload = (request: CompletionRequest) =>
    manager().findOneByOrFail(CompletionRequest, { id: request.id });
  async function act(
    web: WebClient,
    request: CompletionRequest,
    action: string,
    form: Record<string, string> = {},
  ) {
    return web.submit(`/admin/completions/${request.id}`, `/admin/completions/${request.id}/${action}`, {
      version: String(request.version),
      ...form,
    });
  }
  /** A request filed directly (not through WeCom), for the job tests. */
  async function fileDirectly(orderNo: string, now: Date): Promise<CompletionRequest> {
    const stored = await bot.running.services.storage.put(JPEG(`direct-${orderNo}`), 'jpg', 'image/jpeg');
    return inTransaction(bot.running.database.dataSource, (tx) =>
      submitCompletion({
        manager: tx,
        reporter: people.E3002!,
        orderNo,
        businessType: '修障',
        photos: [
          { item: '处理后的设备', key: stored.key },
          { item: '光功率计读数', key: stored.key },
        ],
        serials: [],
        opticalPowerDbm: -18,
        remarks: null,
        timeZone: 'Asia/Shanghai',
        now,
      }),
    );
  }

  let first: CompletionRequest;

  it('takes a request with the photo checklist — a photo before the command, one out of order, one that is not an image — a scanned serial and a flagged power', async () => {
    const engineer = bot.client('wangqiang');
    expect(await photo(engineer, JPEG('ont-sn'))).toBe(say('bot.photoKept'));
    const askType = await sendText(engineer, `报竣 ${ORDER} 用户要求周末回访`);
    expect(askType).toBe(
      say('completion.flow.askType', { orderNo: ORDER, options: '1 新装\n2 移机\n3 修障\n4 拆机' }),
    );
    // A file that is not an image is refused by the channel; the flow is where it was.
    expect(await photo(engineer, Buffer.from('GIF89a not a photo'), 'image/gif')).toBe(
      say('bot.photoRejected'),
    );
    expect(await sendText(engineer, '9')).toContain(say('completion.flow.badType'));
    // The photo sent before the command is filed as the first checklist item; the next one is named.
    const checklist = await sendText(engineer, '1');
    expect(checklist).toContain('1 光猫及 SN 标签 ✓');
    expect(checklist).toContain('2 光功率计读数（缺）');
    expect(checklist).toContain('3 布线（缺）');
    expect(checklist).toContain('请发送：光功率计读数');
    // The cabling first (out of order): the engineer picks item 3 by its number.
    expect(await sendText(engineer, '3')).toBe(say('completion.flow.photoTarget', { item: '布线' }));
    expect(await photo(engineer, JPEG('cabling'))).toBe(
      [
        say('completion.flow.photoFiled', { item: '布线' }),
        say('completion.flow.stillMissing', { missing: '光功率计读数', item: '光功率计读数' }),
      ].join('\n'),
    );
    expect(await sendText(engineer, '好了')).toBe(
      say('completion.flow.stillMissing', { missing: '光功率计读数', item: '光功率计读数' }),
    );
    expect(await photo(engineer, JPEG('power-meter'))).toBe(
      [
        say('completion.flow.photoFiled', { item: '光功率计读数' }),
        say('completion.flow.photosDone'),
        say('completion.flow.askSerials', { count: 0 }),
      ].join('\n'),
    );
    // Serials: one scanned (WeCom's scancode_waitmsg, with the barcode format in front), one typed.
    expect(await scan(engineer, 'CODE_128,ZTEG1A2B3C4D')).toBe(
      say('completion.flow.serialAdded', { serial: 'ZTEG1A2B3C4D', count: 1 }),
    );
    expect(await sendText(engineer, '好 的')).toContain('格式不正确');
    expect(await sendText(engineer, '48575443ABCD1234')).toBe(
      say('completion.flow.serialAdded', { serial: '48575443ABCD1234', count: 2 }),
    );
    expect(await sendText(engineer, '好了')).toBe(say('completion.flow.askPower', { min: -27, max: -8 }));
    // Out of range: asked to confirm; confirmed, it is flagged.
    expect(await sendText(engineer, '-29.3 dBm')).toBe(
      say('completion.flow.powerOutOfRange', { power: -29.3, min: -27, max: -8 }),
    );
    const summary = await sendText(engineer, '确认');
    expect(summary).toContain(`工单号：${ORDER}`);
    expect(summary).toContain('业务类型：新装');
    expect(summary).toContain('照片：光猫及 SN 标签、布线、光功率计读数');
    expect(summary).toContain('SN：ZTEG1A2B3C4D 48575443ABCD1234');
    expect(summary).toContain('光功率：-29.3 dBm（不达标，已确认）');
    expect(summary).toContain('备注：用户要求周末回访');
    const submitted = await sendText(engineer, '提交');
    const refNo = /BJ\d{8}-\d{4}/.exec(submitted)?.[0] ?? '';
    expect(submitted).toBe(say('completion.flow.submitted', { refNo, orderNo: ORDER }));

    first = await manager().findOneByOrFail(CompletionRequest, { refNo });
    expect(first).toMatchObject({
      orderNo: ORDER,
      openOrderNo: ORDER,
      businessType: '新装',
      status: 'pending',
      serials: ['ZTEG1A2B3C4D', '48575443ABCD1234'],
      opticalPowerDbm: -29.3,
      isPowerOutOfRange: true,
      remarks: '用户要求周末回访',
      reporterId: people.E3001?.id,
      resubmissionOfId: null,
    });
    expect(first.photos.map((each) => each.item)).toEqual(['光猫及 SN 标签', '布线', '光功率计读数']);
    const stored = await Promise.all(first.photos.map((each) => bot.running.services.storage.read(each.key)));
    expect(stored.map((data) => data.subarray(4).toString())).toEqual(['ont-sn', 'cabling', 'power-meter']);

    // The on-duty desk member is texted at once, with who is waiting and the flag.
    const sms = await eventually(() => twilio.to('+8613700001001').find((m) => m.body.includes(refNo)));
    expect(sms.body).toContain(ORDER);
    expect(sms.body).toContain('王强');
    expect(sms.body).toContain('13700003001');
    expect(sms.body).toContain('光功率不达标');
    expect(twilio.to('+8613700001002')).toHaveLength(0); // off duty
    expect(await sendText(engineer, '我的')).toContain(`报竣 ${refNo} 工单 ${ORDER}（新装）（待受理）`);
  });

  it('refuses a second open request for the same order, pointing at the first, and checks the order number', async () => {
    const other = bot.client('liuyang');
    expect(await sendText(other, `报竣 ${ORDER}`)).toBe(
      say('completion.flow.duplicate', { orderNo: ORDER, refNo: first.refNo, status: '待受理' }),
    );
    expect(await sendText(other, '报竣 12-ab')).toBe(
      [say('completion.flow.badOrder', { orderNo: '12-ab' }), say('completion.flow.askOrder')].join('\n'),
    );
    expect(await sendText(other, '取消')).toBe(say('bot.cancelled'));
    // The database refuses it too, whoever calls.
    await expect(fileDirectly(ORDER, new Date())).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await manager().countBy(CompletionRequest, { orderNo: ORDER })).toBe(1);
  });

  let winner = '';

  it('shows the request with labelled photos, and lets exactly one of two desk members claim it', async () => {
    const [a, b] = [await signedIn('T2001'), await signedIn('T2002')];
    const queue = await a.get('/admin/completions?queue=pending');
    expect(queue.body).toContain(first.refNo);
    expect(queue.body).toContain(say('web.completion.powerFlag'));
    const detail = await a.get(`/admin/completions/${first.id}`);
    expect(detail.body).toContain('<figcaption>布线</figcaption>');
    expect(detail.body).toContain(`/admin/completions/${first.id}/photos/2`);
    expect(detail.body).toContain('ZTEG1A2B3C4D 48575443ABCD1234');
    expect(detail.body).toContain('-29.3 dBm');
    const image = await a.get(`/admin/completions/${first.id}/photos/1`);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(image.body).toContain('cabling');
    expect((await a.get(`/admin/completions/${first.id}/photos/3`)).status).toBe(404);

    const results = await Promise.all([act(a, first, 'claim'), act(b, first, 'claim')]);
    expect(results.map((result) => result.status).sort()).toEqual([302, 409]);
    const loser = results.find((result) => result.status === 409);
    expect(loser?.body).toContain(say('web.completion.conflict'));
    first = await reload(first);
    winner = first.assigneeStaffId === people.T2001?.id ? 'T2001' : 'T2002';
    expect(first.status).toBe('claimed');
    expect(first.claimedAt).not.toBeNull();
    expect(await manager().countBy(CompletionEvent, { requestId: first.id, type: 'claimed' })).toBe(1);
    // The one who lost cannot decide it either.
    const other = winner === 'T2001' ? b : a;
    expect((await act(other, first, 'complete', { note: '抢先' })).status).toBe(409);
  });

  it('rejects with a reason from the list; the engineer is told at once and may resubmit', async () => {
    const desk = await signedIn(winner);
    expect((await act(desk, first, 'reject', { reason: '没有这个原因' })).status).toBe(400);
    expect(
      (await act(desk, first, 'reject', { reason: '光功率不达标', note: '请清洁连接器后复测' })).status,
    ).toBe(302);
    first = await reload(first);
    expect(first).toMatchObject({ status: 'rejected', openOrderNo: null, rejectReason: '光功率不达标' });
    const push = await eventually(() => pushesTo('wangqiang').find((text) => text.includes('报竣被退回')));
    expect(push).toBe(
      say('completion.push.rejected', {
        orderNo: ORDER,
        refNo: first.refNo,
        reason: '光功率不达标',
        note: say('completion.push.note', { note: '请清洁连接器后复测' }),
      }),
    );
    expect(await sendText(bot.client('wangqiang'), '我的')).not.toContain(first.refNo);
    // Illegal transitions are refused with the current state shown.
    const again = await act(desk, first, 'complete', {});
    expect(again.status).toBe(409);
    expect(again.body).toContain(say('web.report.illegal'));
    expect((await desk.get('/admin/completions?queue=rejected')).body).toContain(first.refNo);
    const audit = await manager().findOneByOrFail(AuditEntry, {
      action: 'completion.reject',
      recordId: String(first.id),
    });
    expect(audit).toMatchObject({ actor: winner, after: { status: 'rejected', reason: '光功率不达标' } });
  });

  let second: CompletionRequest;

  it('takes the resubmission (power now in range), shows it as such, and completes it on the web', async () => {
    const engineer = bot.client('wangqiang');
    expect(await sendText(engineer, `报竣 ${ORDER}`)).toContain('1 新装');
    await sendText(engineer, '1');
    await photo(engineer, JPEG('ont-2'));
    await photo(engineer, JPEG('meter-2'));
    expect(await photo(engineer, JPEG('cabling-2'))).toContain(say('completion.flow.photosDone'));
    await sendText(engineer, 'ZTEG1A2B3C4D');
    await sendText(engineer, '好了');
    expect(await sendText(engineer, '−19.5')).toBe(say('completion.flow.askRemarks'));
    expect(await sendText(engineer, '跳过')).toContain('光功率：-19.5 dBm\n');
    const reply = await sendText(engineer, '提交');
    const refNo = /BJ\d{8}-\d{4}/.exec(reply)?.[0] ?? '';
    expect(reply).toBe(say('completion.flow.resubmitted', { refNo, orderNo: ORDER }));
    second = await manager().findOneByOrFail(CompletionRequest, { refNo });
    expect(second).toMatchObject({ resubmissionOfId: first.id, isPowerOutOfRange: false, remarks: null });
    const sms = await eventually(() => twilio.to('+8613700001001').find((m) => m.body.includes(refNo)));
    expect(sms.body).toContain('退回后重新提交');

    const desk = await signedIn('T2001');
    expect((await desk.get(`/admin/completions/${second.id}`)).body).toContain(
      say('web.completion.resubmissionOf', { refNo: first.refNo }),
    );
    const old = await desk.get(`/admin/completions/${first.id}`);
    expect(old.body).toContain(`<a href="/admin/completions/${second.id}">${refNo}</a>`);
    expect((await desk.get('/admin/completions?queue=rejected')).body).not.toContain(first.refNo);

    expect((await act(desk, second, 'claim')).status).toBe(302);
    second = await reload(second);
    expect((await act(desk, second, 'complete', { note: '已在系统中报竣' })).status).toBe(302);
    second = await reload(second);
    expect(second).toMatchObject({
      status: 'completed',
      decidedByStaffId: people.T2001?.id,
      openOrderNo: null,
    });
    const push = await eventually(() => pushesTo('wangqiang').find((text) => text.includes('已报竣完成')));
    expect(push).toContain(`工单 ${ORDER}（${refNo}）已报竣完成`);
    expect(push).toContain('已在系统中报竣');
    expect((await desk.get('/admin/completions?queue=done')).body).toContain(refNo);
    const types = (
      await manager().find(CompletionEvent, { where: { requestId: second.id }, order: { id: 'ASC' } })
    ).map((event) => event.type);
    expect(types).toEqual(['submitted', 'claimed', 'completed']);
  });

  it('alerts the desk again, then the duty leads, about an unclaimed request — once per level (fixed now)', async () => {
    const created = bj('2026-12-07T09:00'); // ahead of the clock: the rows wait, so read them in the outbox
    const request = await fileDirectly('2026120700001', created);
    const logger = captureLogger().logger;
    const run = (minutes: number) =>
      completionRealertsJob.run({
        now: new Date(created.getTime() + minutes * 60_000),
        manager: manager(),
        logger,
      });
    const alerts = async () =>
      (
        await manager().find(OutboxMessage, {
          where: { template: 'completion.realert' },
          order: { id: 'ASC' },
        })
      ).filter((row) => (row.data as { refNo: string }).refNo === request.refNo && row.parentId === null);
    await run(9);
    expect(await alerts()).toHaveLength(0);
    await run(11);
    await run(12);
    const desk = await alerts();
    expect(desk.map((row) => [row.recipientKind, row.recipientRef, row.urgency])).toEqual([
      ['group', 'completion-desk', 'urgent'],
    ]);
    expect(desk[0]?.nextAttemptAt.getTime()).toBe(created.getTime() + 11 * 60_000);
    expect(findTemplate('completion.realert')?.render(desk[0]?.data, 'zh-CN').text).toBe(
      `【装维支撑】线下报竣申请 ${request.refNo}（工单 2026120700001，修障）已等待 11 分钟无人受理，装维人员在现场等待，请尽快处理。`,
    );
    await run(21);
    await run(40);
    expect((await alerts()).map((row) => row.recipientRef)).toEqual(['completion-desk', 'duty-leads']);
    expect(await reload(request)).toMatchObject({ realertLevel: 2, status: 'pending' });
    // A claimed request is nobody's worry any more.
    const claimed = await fileDirectly('2026120700002', created);
    await inTransaction(bot.running.database.dataSource, (tx) =>
      claimCompletion({ manager: tx, requestId: claimed.id, actor: people.T2002!, now: created }),
    );
    await run(60);
    expect(
      (await manager().find(OutboxMessage, { where: { template: 'completion.realert' } })).filter(
        (row) => (row.data as { refNo: string }).refNo === claimed.refNo,
      ),
    ).toHaveLength(0);
  });

  it('texts the duty lead when a request has waited past both limits (delivered at the fake Twilio)', async () => {
    const request = await fileDirectly('2026113000777', new Date(Date.now() - 25 * 60_000));
    await completionRealertsJob.run({ now: new Date(), manager: manager(), logger: captureLogger().logger });
    const lead = await eventually(() =>
      twilio.to('+8613700009001').find((m) => m.body.includes(request.refNo)),
    );
    expect(lead.body).toContain('请督促报竣人员处理');
    await eventually(() =>
      twilio.to('+8613700001001').find((m) => m.body.includes(request.refNo) && m.body.includes('无人受理')),
    );
  });

  it('gives managers waiting times, throughput and rejection reasons, and a CSV with one row per request', async () => {
    const web = await signedIn('M3001');
    const page = await web.get('/admin/completion-stats?from=2026-11-01&to=2026-12-31');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/data-stat="total">\d+</);
    expect(page.body).toContain('data-stat="to-claim"');
    expect(page.body).toContain('王芳（T2001）');
    expect(page.body).toContain('光功率不达标');
    const csv = await web.get('/admin/completion-stats.csv?from=2026-11-01&to=2026-12-31');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.body).toContain(
      `${first.refNo},${ORDER},新装,已退回,王强,E3001,ZTEG1A2B3C4D 48575443ABCD1234,-29.3,Y,`,
    );
    expect(csv.body).toContain(
      `${second.refNo},${ORDER},新装,已报竣,王强,E3001,ZTEG1A2B3C4D,-19.5,,${first.refNo},`,
    );
    // Managers read; they do not act.
    expect((await web.get(`/admin/completions/${first.id}`)).body).not.toContain('id="claim-form"');
  });
});
