/**
 * Questions and on-site support, the whole path: an engineer asks through the real webhook, the handbook
 * answers first (deflection), the desk claims, asks for more, escalates to tier 3, tier 3 answers and
 * resolves, the engineer says 未解决 and later 已解决 — every SMS captured at the fake Twilio and every
 * push at the fake WeCom API. SLA alerts and archiving run from their jobs with a fixed `now`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inTransaction } from '../../db/transaction';
import { t, type MessageKey, type MessageParams } from '../../i18n';
import { OutboxMessage } from '../../notifications/outbox.entity';
import { FakeTwilio } from '../../../test/fakes/twilio';
import { captureLogger, eventually, openDataSource, type TestDatabase } from '../../../test/support';
import { WebClient } from '../../../test/web';
import { startBotWithSms } from '../../../test/sms-bot';
import { makeStaffGraph } from '../../../test/staff-graph';
import { sendText, type FakeWecom, type RunningBot } from '../../../test/wecom';
import { createKbEntry } from '../knowledge';
import type { Department, Staff } from '../staff';
import { TicketMessage } from './ticket-message.entity';
import { submitTicket } from './ticket.commands';
import { Ticket } from './ticket.entity';
import { ticketArchiveJob, ticketSlaJob } from './ticket.jobs';

const say = (key: MessageKey, params?: MessageParams) => t('zh-CN', key, params);
const PASSWORD = 'correct horse battery';
const JPEG = (label: string) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(label)]);
const bj = (local: string) => new Date(`${local}+08:00`);

describe('questions and on-site support, tier 1 → 2 → 3', () => {
  let database: TestDatabase;
  const twilio = new FakeTwilio();
  let wecom: FakeWecom;
  let bot: RunningBot;
  let stop: () => Promise<void>;
  const people: Record<string, Staff> = {};
  const departments: Record<string, Department> = {};
  let lineEntryId = 0;

  beforeAll(async () => {
    ({ database, wecom, bot, stop } = await startBotWithSms(twilio));
    await inTransaction(bot.running.database.dataSource, async (manager) => {
      const graph = await makeStaffGraph(manager, {
        password: PASSWORD,
        departments: {
          east: { name: '城东片区', kind: 'area' },
          network: { name: '网络支撑中心', kind: 'tier3' },
          iptv: { name: 'IPTV 支撑', kind: 'tier3' },
        },
        people: {
          E3001: {
            name: '王强',
            role: 'engineer',
            phone: '+8613700003001',
            wecomUserId: 'wangqiang',
            department: 'east',
          },
          T2001: { name: '王芳', role: 'tier2', phone: '+8613700001001', wecomUserId: 'desk-wangfang' },
          T2002: { name: '陈静', role: 'tier2', phone: '+8613700001002' },
          N4001: { name: '孙工', role: 'tier3', phone: '+8613700004001', department: 'network' },
          N4002: { name: '周工', role: 'tier3', phone: '+8613700004002', department: 'network' },
          V5001: { name: '吴工', role: 'tier3', phone: '+8613700005001', department: 'iptv' },
          M3001: { name: '赵经理', role: 'manager', phone: '+8613700006001', department: 'east' },
          L9001: { name: '钱组长', role: 'tier2', phone: '+8613700009001' },
        },
        groups: {
          'control-desk': { name: '1183301 管控', onDuty: ['T2001'], offDuty: ['T2002'] },
          'network-desk': { name: '网络支撑值班', onDuty: ['N4001'], offDuty: ['N4002'] },
          'duty-leads': { name: '值班组长', onDuty: ['L9001'] },
        },
      });
      Object.assign(people, graph.people);
      Object.assign(departments, graph.departments);
      const entry = (title: string, body: string, tags: string[]) =>
        createKbEntry({
          manager,
          input: { title, body, tags, photos: [], isPublished: true },
          author: 'T2001',
          now: new Date(),
        });
      lineEntryId = (
        await entry(
          '光猫注册失败（LOID 注册）处理',
          '1. 核对工单 LOID 与光猫一致。\n2. 重新注册，等待 PON 灯常亮。',
          ['光猫', 'LOID'],
        )
      ).id;
      await entry('机顶盒无信号排查', '检查 HDMI 线与电视信号源，确认 IPTV 业务已开通。', ['IPTV', '机顶盒']);
      await entry('宽带拨号 691 错误', '账号密码错误或欠费，核对账号后重拨。', ['宽带']);
    });
  });
  afterAll(() => stop());

  const manager = () => bot.running.database.dataSource.manager;
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
  const reload = (ticket: Ticket) => manager().findOneByOrFail(Ticket, { id: ticket.id });
  async function act(web: WebClient, ticket: Ticket, action: string, form: Record<string, string> = {}) {
    return web.submit(`/admin/tickets/${ticket.id}`, `/admin/tickets/${ticket.id}/${action}`, {
      version: String(ticket.version),
      ...form,
    });
  }

  it('offers handbook entries first, and a question the handbook answers is recorded as deflected', async () => {
    const engineer = bot.client('wangqiang');
    const offer = await sendText(engineer, '提问 光猫 注册失败');
    expect(offer).toContain('装维宝典中可能已有答案');
    expect(offer).toContain('1 光猫注册失败（LOID 注册）处理');
    const entry = await sendText(engineer, '1');
    expect(entry).toContain('《光猫注册失败（LOID 注册）处理》');
    expect(entry).toMatch(new RegExp(`/kb/${lineEntryId}\\?e=\\d+&s=`));
    const done = await sendText(engineer, '解决了');
    const refNo = /TW\d{8}-\d{4}/.exec(done)?.[0] ?? '';
    expect(done).toBe(say('ticket.flow.deflected', { refNo }));
    expect(await manager().findOneByOrFail(Ticket, { refNo })).toMatchObject({
      status: 'deflected',
      deflectedByEntryId: lineEntryId,
    });
    expect(twilio.to('+8613700001001')).toHaveLength(0); // nobody was bothered
  });

  let ticket: Ticket;
  let winner: string;

  it('takes a question with a photo and an order number, and alerts the on-duty desk by SMS', async () => {
    const engineer = bot.client('wangqiang');
    expect(await sendText(engineer, '提问')).toBe(say('ticket.flow.ask.question'));
    // Offered handbook entries (if any match) are skipped with 0; either way the details prompt follows.
    const afterQuestion = await sendText(engineer, '用户家宽带频繁掉线，光猫 LOS 灯偶尔闪红');
    if (afterQuestion !== say('ticket.flow.details')) {
      expect(afterQuestion).toContain('装维宝典中可能已有答案');
      expect(await sendText(engineer, '0')).toBe(say('ticket.flow.details'));
    }
    const mediaId = wecom.state.addMedia(JPEG('los-light'), 'image/jpeg');
    expect((await engineer.deliver(engineer.imageXml(mediaId))).reply?.content).toBe(
      `${say('ticket.flow.photoAdded', { count: 1 })}\n${say('ticket.flow.submitHint')}`,
    );
    // An LOID-like token is not an order number: it is part of the description.
    expect(await sendText(engineer, 'LOID0012345678')).toBe(say('ticket.flow.textAdded'));
    expect(await sendText(engineer, '工单 2026113000123')).toBe(
      say('ticket.flow.orderNoted', { orderNo: '2026113000123' }),
    );
    const submitted = await sendText(engineer, '提交');
    const refNo = /TW\d{8}-\d{4}/.exec(submitted)?.[0] ?? '';
    expect(submitted).toBe(say('ticket.flow.submitted.question', { refNo }));
    ticket = await manager().findOneByOrFail(Ticket, { refNo });
    expect(ticket).toMatchObject({
      kind: 'question',
      priority: 'normal',
      status: 'new',
      tier: 2,
      orderNo: '2026113000123',
    });
    expect(ticket.photos).toHaveLength(1);
    const sms = await eventually(() => twilio.to('+8613700001001').find((m) => m.body.includes(refNo)));
    expect(sms.body).toContain('王强');
    expect(sms.body).toContain('E3001');
    expect(sms.body).toContain('13700003001');
    expect(twilio.to('+8613700001002')).toHaveLength(0); // off duty
    expect(pushesTo('desk-wangfang').some((text) => text.includes(refNo))).toBe(false); // not urgent
    expect(await sendText(engineer, '我的')).toContain(`提问 ${refNo}`);
    // Nothing to confirm before an answer: the engineer is told so, and nothing changes.
    expect(await sendText(engineer, '已解决')).toBe(say('ticket.followUp.notAnswered', { refNo }));
    expect((await reload(ticket)).status).toBe('new');
  });

  it('lets exactly one of two desk members claim it when both click at once', async () => {
    const [a, b] = [await signedIn('T2001'), await signedIn('T2002')];
    const queue = await a.get('/admin/tickets?queue=new');
    expect(queue.body).toContain(ticket.refNo);
    const results = await Promise.all([act(a, ticket, 'claim'), act(b, ticket, 'claim')]);
    expect(results.map((result) => result.status).sort()).toEqual([302, 409]);
    ticket = await reload(ticket);
    winner = ticket.assigneeStaffId === people.T2001?.id ? 'T2001' : 'T2002';
    expect(ticket.status).toBe('claimed');
    expect(await manager().countBy(TicketMessage, { ticketId: ticket.id, type: 'claimed' })).toBe(1);
  });

  it('asks the engineer for more, pauses the clock, and takes the answer from WeCom', async () => {
    const desk = await signedIn(winner);
    expect((await act(desk, ticket, 'request', { body: '请提供光猫型号和光功率读数' })).status).toBe(302);
    ticket = await reload(ticket);
    expect(ticket.status).toBe('waiting');
    expect(ticket.slaPausedAt).not.toBeNull();
    const request = await eventually(() =>
      pushesTo('wangqiang').find((text) => text.includes('请提供光猫型号')),
    );
    expect(request).toContain(ticket.refNo);

    // The answer is awaited however long it takes (here: three days later).
    await manager().update(Ticket, { id: ticket.id }, { updatedAt: new Date(Date.now() - 3 * 86_400_000) });
    // A photo answers the question (only a ticket waiting for the engineer takes photos outside a flow)…
    const engineer = bot.client('wangqiang');
    const photo = wecom.state.addMedia(JPEG('power-meter'), 'image/jpeg');
    expect((await engineer.deliver(engineer.imageXml(photo))).reply?.content).toBe(
      say('ticket.followUp.answered', { refNo: ticket.refNo }),
    );
    // …and text sent afterwards joins the thread too.
    expect(await sendText(engineer, '华为 HG8245，光功率 -26dBm')).toBe(
      say('ticket.followUp.added', { refNo: ticket.refNo }),
    );
    const before = ticket.resolutionDueAt.getTime();
    ticket = await reload(ticket);
    expect(ticket).toMatchObject({ status: 'claimed', slaPausedAt: null });
    expect(ticket.resolutionDueAt.getTime()).toBeGreaterThanOrEqual(before);
    const phone = people[winner]?.phone ?? '';
    await eventually(() => twilio.to(phone).find((m) => m.body.includes('已补充信息')));
    const thread = (await (await signedIn(winner)).get(`/admin/tickets/${ticket.id}`)).body;
    expect(thread).toContain('华为 HG8245，光功率 -26dBm');
    expect(thread).toContain(`/admin/tickets/${ticket.id}/media/`);
  });

  it('escalates to a tier-3 department; another department can neither see nor act on it', async () => {
    const desk = await signedIn(winner);
    const escalated = await act(desk, ticket, 'escalate', {
      departmentId: String(departments.network?.id),
      note: '光功率偏低，疑似分光器故障，请网络中心核查',
    });
    expect(escalated.status).toBe(302);
    ticket = await reload(ticket);
    expect(ticket).toMatchObject({
      tier: 3,
      status: 'new',
      departmentId: departments.network?.id,
      assigneeStaffId: null,
    });
    await eventually(() => twilio.to('+8613700004001').find((m) => m.body.includes(ticket.refNo)));
    expect(twilio.to('+8613700004002')).toHaveLength(0); // off duty
    await eventually(() => pushesTo('wangqiang').find((text) => text.includes('网络支撑中心')));

    const iptv = await signedIn('V5001');
    expect((await iptv.get(`/admin/tickets/${ticket.id}`)).status).toBe(404);
    expect((await iptv.get('/admin/tickets?queue=new')).body).not.toContain(ticket.refNo);
    const page = await iptv.get('/admin/tickets');
    expect(
      (await iptv.post(`/admin/tickets/${ticket.id}/claim`, { _csrf: WebClient.csrf(page.body) })).status,
    ).toBe(404);
    // Tier 2 follows it but cannot act at tier 3.
    expect((await desk.get('/admin/tickets?queue=escalated')).body).toContain(ticket.refNo);
    expect((await act(desk, ticket, 'claim')).status).toBe(403);
  });

  it('tier 3 answers and resolves; the engineer says 未解决, it comes back; sent back to tier 2; 已解决 archives it', async () => {
    const network = await signedIn('N4002');
    expect((await network.get('/admin/tickets?queue=new')).body).toContain(ticket.refNo);
    expect((await act(network, ticket, 'claim')).status).toBe(302);
    ticket = await reload(ticket);
    // The answer carries a photo (a multipart form, as the browser sends it): text, then the image.
    const page = await network.get(`/admin/tickets/${ticket.id}`);
    const form = new FormData();
    form.append('_csrf', WebClient.csrf(page.body));
    form.append('version', String(ticket.version));
    form.append('body', '已远程复位分光器端口，请现场复测光功率');
    form.append('photos', new Blob([JPEG('otdr-trace')], { type: 'image/jpeg' }), 'otdr.jpg');
    expect((await network.request('POST', `/admin/tickets/${ticket.id}/reply`, form)).status).toBe(302);
    await eventually(() => pushesTo('wangqiang').find((text) => text?.includes('已远程复位分光器端口')));
    const image = await eventually(() =>
      wecom.state.messagesFor('wangqiang').find((message) => message.msgtype === 'image'),
    );
    const mediaId = (image.payload as { media_id: string }).media_id;
    expect(wecom.state.getMedia(mediaId)?.data.subarray(4).toString()).toBe('otdr-trace');
    // A file that is not an image is refused and nothing changes.
    const fake = new FormData();
    fake.append('_csrf', WebClient.csrf(page.body));
    fake.append('version', String((await reload(ticket)).version));
    fake.append('photos', new Blob(['<script>'], { type: 'image/jpeg' }), 'x.jpg');
    expect((await network.request('POST', `/admin/tickets/${ticket.id}/reply`, fake)).status).toBe(400);
    // Tier 2 sees tier 3's answer in the thread.
    expect((await (await signedIn(winner)).get(`/admin/tickets/${ticket.id}`)).body).toContain(
      '已远程复位分光器端口',
    );
    // "Still not working" after an answer reaches whoever handles it.
    expect(await sendText(bot.client('wangqiang'), '还是红灯')).toBe(
      say('ticket.followUp.added', { refNo: ticket.refNo }),
    );
    await eventually(() => twilio.to('+8613700004002').find((m) => m.body.includes('还是红灯')));
    ticket = await reload(ticket);
    expect((await act(network, ticket, 'resolve', { body: '端口已更换' })).status).toBe(302);
    await eventually(() => pushesTo('wangqiang').find((text) => text.includes('已处理完毕')));

    const engineer = bot.client('wangqiang');
    expect(await sendText(engineer, '未解决，光猫还是 LOS 红灯')).toBe(
      say('ticket.followUp.reopened', { refNo: ticket.refNo }),
    );
    ticket = await reload(ticket);
    expect(ticket).toMatchObject({ status: 'claimed', tier: 3, reopenCount: 1, resolvedAt: null });
    await eventually(() => twilio.to('+8613700004002').find((m) => m.body.includes('重新打开')));

    expect(
      (await act(network, ticket, 'send-back', { note: '线路正常，请二级联系用户确认终端' })).status,
    ).toBe(302);
    ticket = await reload(ticket);
    expect(ticket).toMatchObject({ tier: 2, status: 'claimed', assigneeStaffId: people[winner]?.id });
    await eventually(() => twilio.to(people[winner]?.phone ?? '').find((m) => m.body.includes('退回')));

    const desk = await signedIn(winner);
    expect((await act(desk, ticket, 'resolve', { body: '用户更换网线后恢复正常' })).status).toBe(302);
    expect(await sendText(engineer, '已解决')).toBe(
      say('ticket.followUp.confirmed', { refNo: ticket.refNo }),
    );
    ticket = await reload(ticket);
    expect(ticket.status).toBe('archived');
    expect(ticket.archivedAt).not.toBeNull();
    expect(await sendText(engineer, '我的')).not.toContain(ticket.refNo);
    const types = (
      await manager().find(TicketMessage, { where: { ticketId: ticket.id }, order: { id: 'ASC' } })
    ).map((message) => message.type);
    expect(types).toEqual([
      'question',
      'claimed',
      'request',
      'engineer',
      'engineer',
      'escalated',
      'claimed',
      'reply',
      'engineer',
      'resolved',
      'reopened',
      'returned',
      'resolved',
      'confirmed',
    ]);
  });

  it('sends an urgent on-site support request to the desk by SMS and WeCom at once', async () => {
    const engineer = bot.client('wangqiang');
    if ((await sendText(engineer, '支撑 用户家光功率 -28dBm 无法开通')) !== say('ticket.flow.details'))
      expect(await sendText(engineer, '0')).toBe(say('ticket.flow.details'));
    const refNo = /ZC\d{8}-\d{4}/.exec(await sendText(engineer, '提交'))?.[0] ?? '';
    expect(refNo).not.toBe('');
    await eventually(() => pushesTo('desk-wangfang').find((text) => text.includes(refNo)));
    await eventually(() => twilio.to('+8613700001001').find((m) => m.body.includes(refNo)));
    expect(await manager().findOneByOrFail(Ticket, { refNo })).toMatchObject({
      priority: 'urgent',
      kind: 'support',
    });
  });

  it('reminds before the first-response due time and alerts leads and the manager on breach (fixed now, across a weekend)', async () => {
    // Friday 27 Nov 2026 17:30, working hours 08:00–20:00: first response (30 min) due 18:00 the same
    // day; resolution (480 min) runs 150 min on Friday and 330 on Monday → Monday 30 Nov 13:30.
    const created = await inTransaction(bot.running.database.dataSource, (tx) =>
      submitTicket({
        manager: tx,
        reporter: people.E3001!,
        kind: 'question',
        question: '周五傍晚的问题',
        orderNo: null,
        photos: [],
        location: { latitude: null, longitude: null, text: null },
        timeZone: 'Asia/Shanghai',
        now: bj('2026-11-27T17:30'),
      }),
    );
    expect(created.firstResponseDueAt).toEqual(bj('2026-11-27T18:00'));
    expect(created.resolutionDueAt).toEqual(bj('2026-11-30T13:30'));
    const job = ticketSlaJob({ timeZone: 'Asia/Shanghai' });
    const logger = captureLogger().logger;
    const alerts = async () =>
      (
        await manager().find(OutboxMessage, { where: { template: 'ticket.sla' }, order: { id: 'ASC' } })
      ).filter(
        // Group rows expand into one child row per member when sent: count what the job wrote.
        (row) => (row.data as { refNo: string }).refNo === created.refNo && row.parentId === null,
      );
    await job.run({ now: bj('2026-11-27T17:50'), manager: manager(), logger });
    expect(await alerts()).toHaveLength(0);
    await job.run({ now: bj('2026-11-27T17:56'), manager: manager(), logger });
    expect((await alerts()).map((row) => [row.recipientRef, (row.data as { level: string }).level])).toEqual([
      ['control-desk', 'reminder'],
    ]);
    await job.run({ now: bj('2026-11-27T18:01'), manager: manager(), logger });
    await job.run({ now: bj('2026-11-27T18:02'), manager: manager(), logger }); // once per due time
    const rows = await alerts();
    expect(rows.map((row) => [row.recipientRef, (row.data as { level: string }).level])).toEqual([
      ['control-desk', 'reminder'],
      ['duty-leads', 'breach'],
      [String(people.M3001?.id), 'breach'],
    ]);
    expect((rows[1]?.data as { due: string }).due).toBe('11/27 18:00');
    // The resolution clock does not run over the weekend: nothing more until Monday.
    await job.run({ now: bj('2026-11-29T12:00'), manager: manager(), logger });
    expect(await alerts()).toHaveLength(3);
    await job.run({ now: bj('2026-11-30T13:31'), manager: manager(), logger });
    expect(
      (await alerts()).slice(3).map((row) => [row.recipientRef, (row.data as { target: string }).target]),
    ).toEqual([
      ['duty-leads', 'resolution'],
      [String(people.M3001?.id), 'resolution'],
    ]);
  });

  it('sends each SLA alert once when several instances run the job at the same moment (MariaDB)', async () => {
    // SQLite is one instance on one host; a second connection in this process would block the first.
    if (database.config.kind !== 'mysql') return;
    const peer = await openDataSource(database.config, { migrate: false });
    try {
      const created = await inTransaction(bot.running.database.dataSource, (tx) =>
        submitTicket({
          manager: tx,
          reporter: people.E3001!,
          kind: 'support',
          question: '两个实例同时计时',
          orderNo: null,
          photos: [],
          location: { latitude: null, longitude: null, text: null },
          timeZone: 'Asia/Shanghai',
          now: bj('2026-11-30T09:00'),
        }),
      );
      const job = ticketSlaJob({ timeZone: 'Asia/Shanghai' });
      const logger = captureLogger().logger;
      const now = bj('2026-11-30T09:06'); // first response (5 min) breached, resolution (60 min) not yet
      await Promise.all(
        [manager(), peer.manager, manager(), peer.manager].map((each) =>
          job.run({ now, manager: each, logger }),
        ),
      );
      const rows = (await manager().find(OutboxMessage, { where: { template: 'ticket.sla' } })).filter(
        (row) => (row.data as { refNo: string }).refNo === created.refNo && row.parentId === null,
      );
      expect(rows.map((row) => row.recipientRef).sort()).toEqual(
        [String(people.M3001?.id), 'duty-leads'].sort(),
      );
    } finally {
      await peer.destroy();
    }
  });

  it('archives a resolved ticket the engineer never confirmed after 24 hours', async () => {
    const desk = await signedIn('T2001');
    const open = await manager().findOneOrFail(Ticket, { where: { kind: 'support' }, order: { id: 'ASC' } });
    expect((await act(desk, open, 'claim')).status).toBe(302);
    const claimed = await reload(open);
    expect((await act(desk, claimed, 'resolve', { body: '已派人到场' })).status).toBe(302);
    const resolved = await reload(open);
    const logger = captureLogger().logger;
    const later = (hours: number) => new Date((resolved.resolvedAt?.getTime() ?? 0) + hours * 3_600_000);
    await ticketArchiveJob.run({ now: later(23), manager: manager(), logger });
    expect((await reload(open)).status).toBe('resolved');
    await ticketArchiveJob.run({ now: later(25), manager: manager(), logger });
    expect((await reload(open)).status).toBe('archived');
  });

  it('gives managers volumes, times, SLA compliance, deflection and workload, and a CSV', async () => {
    const web = await signedIn('M3001');
    const page = await web.get('/admin/ticket-stats?from=2026-11-01&to=2026-12-31');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/data-stat="total">\d+</);
    expect(page.body).toContain('data-stat="deflection"');
    expect(page.body).toContain('周工（N4002）');
    const csv = await web.get('/admin/ticket-stats.csv?from=2026-11-01&to=2026-12-31');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.body).toContain(`${ticket.refNo},提问,普通,已归档,王强,E3001,网络支撑中心`);
    // Managers read; they do not act.
    expect((await web.get(`/admin/tickets/${ticket.id}`)).body).not.toContain('id="reply-form"');
  });
});
