/**
 * Hazard and lead reports, the whole loop: an engineer reports through the real webhook (text, photos in
 * either order, a location), the control desk gets the SMS at the fake Twilio, desk staff act on the web
 * (route tests through a real HTTP client), and every update reaches the reporter at the fake WeCom API.
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
import { putSetting } from '../settings';
import type { Department, Staff } from '../staff';
import { ReportEvent } from './report-event.entity';
import { Report } from './report.entity';
import { reportRemindersJob } from './report.job';
import { criticalHazardCategoriesSetting } from './report.settings';

const say = (key: MessageKey, params?: MessageParams) => t('zh-CN', key, params);
const PASSWORD = 'correct horse battery';
const JPEG = (label: string) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(label)]);

describe('hazard and lead reports, closed loop', () => {
  const twilio = new FakeTwilio();
  let wecom: FakeWecom;
  let bot: RunningBot;
  let stop: () => Promise<void>;
  const people: Record<string, Staff> = {};
  const departments: Record<string, Department> = {};

  beforeAll(async () => {
    ({ wecom, bot, stop } = await startBotWithSms(twilio));
    await inTransaction(bot.running.database.dataSource, async (manager) => {
      const graph = await makeStaffGraph(manager, {
        password: PASSWORD,
        departments: {
          east: { name: '城东片区', kind: 'area' },
          network: { name: '网络支撑中心', kind: 'tier3' },
          iptv: { name: 'IPTV 支撑', kind: 'tier3' },
        },
        people: {
          E2001: {
            name: '张伟',
            role: 'engineer',
            phone: '+8613900002001',
            wecomUserId: 'zhangwei',
            department: 'east',
          },
          E2002: {
            name: '刘洋',
            role: 'engineer',
            phone: '+8613900002002',
            wecomUserId: 'liuyang',
            department: 'east',
          },
          T2001: { name: '王芳', role: 'tier2', phone: '+8613900003001' },
          T2002: { name: '陈静', role: 'tier2', phone: '+8613900003002' },
          M3001: { name: '赵经理', role: 'manager', phone: '+8613900004001', department: 'east' },
          N4001: { name: '孙工', role: 'tier3', phone: '+8613900005001', department: 'network' },
          N4002: { name: '周工', role: 'tier3', phone: '+8613900005002', department: 'network' },
          V5001: { name: '吴工', role: 'tier3', phone: '+8613900006001', department: 'iptv' },
        },
        groups: {
          'control-desk': { name: '1183301 管控', onDuty: ['T2001'], offDuty: ['T2002'] },
          'network-desk': { name: '网络支撑值班', onDuty: ['N4001'], offDuty: ['N4002'] },
        },
      });
      Object.assign(people, graph.people);
      Object.assign(departments, graph.departments);
    });
  });
  afterAll(() => stop());

  const manager = () => bot.running.database.dataSource.manager;
  async function photo(client: WecomClient, label: string): Promise<string | undefined> {
    const mediaId = wecom.state.addMedia(JPEG(label), 'image/jpeg');
    const result = await client.deliver(client.imageXml(mediaId));
    expect(result.status).toBe(200);
    return result.reply?.content;
  }
  const pushesTo = (userId: string) =>
    wecom.state.messagesFor(userId).map((message) => (message.payload as { content: string }).content);
  async function signedIn(staffNo: string): Promise<WebClient> {
    const web = new WebClient(bot.baseUrl);
    expect((await web.signIn(staffNo, PASSWORD)).status).toBe(302);
    return web;
  }
  async function act(web: WebClient, report: Report, action: string, form: Record<string, string>) {
    return web.submit(`/admin/reports/${report.id}`, `/admin/reports/${report.id}/${action}`, {
      version: String(report.version),
      ...form,
    });
  }
  const reload = (report: Report) => manager().findOneByOrFail(Report, { id: report.id });

  let hazard: Report;

  it('takes a hazard with photos before and after the command and a WeCom location, and alerts the desk', async () => {
    const engineer = bot.client('zhangwei');
    expect(await photo(engineer, 'before-1')).toBe(say('bot.photoKept'));
    expect(await sendText(engineer, '隐患 光交箱门损坏无法关闭')).toContain('请选择类别');
    expect(await sendText(engineer, '9')).toContain('没有这个类别，请回复序号：\n1 线路');
    expect(await photo(engineer, 'during-category')).toMatch(
      new RegExp(`^${say('report.flow.photoAttached', { count: 2 })}\n请选择类别`),
    );
    expect(await sendText(engineer, '3')).toBe(say('report.flow.askPhotosRequired'));
    expect(await photo(engineer, 'after-1')).toBe(say('report.flow.photoCount', { count: 3 }));
    expect(await photo(engineer, 'after-2')).toBe(say('report.flow.photoCount', { count: 4 }));
    expect(await sendText(engineer, '好了')).toBe(say('report.flow.askLocation'));
    const summary = await engineer.deliver(engineer.locationXml(31.2304, 121.4737, '人民路 88 号光交箱'));
    expect(summary.reply?.content).toContain('类别：箱体/光交');
    expect(summary.reply?.content).toContain('照片：4 张');
    expect(summary.reply?.content).toContain('位置：人民路 88 号光交箱');
    // A location sent again at the summary replaces the first and shows the summary again.
    const moved = await engineer.deliver(engineer.locationXml(31.2305, 121.4738, '人民路 90 号光交箱'));
    expect(moved.reply?.content).toContain('位置：人民路 90 号光交箱');
    const back = await engineer.deliver(engineer.locationXml(31.2304, 121.4737, '人民路 88 号光交箱'));
    expect(back.reply?.content).toContain('位置：人民路 88 号光交箱');

    // WeCom delivers the 提交 twice (a retry) while the first is still in flight: one report.
    const submit = engineer.sign(engineer.textXml('提交'));
    const answers = await Promise.all([engineer.post(submit), engineer.post(submit)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const replies = answers.map((answer) => engineer.openReply(answer.body)?.content).filter(Boolean);
    expect(replies.length).toBeGreaterThan(0);
    const refNo = /YH\d{8}-\d{4}/.exec(replies[0] ?? '')?.[0] ?? '';
    expect(replies[0]).toBe(say('report.flow.submitted', { refNo }));
    const reports = await manager().findBy(Report, { kind: 'hazard' });
    expect(reports).toHaveLength(1);
    hazard = reports[0] as Report;
    expect(hazard).toMatchObject({
      refNo,
      status: 'open',
      category: '箱体/光交',
      description: '光交箱门损坏无法关闭',
      latitude: 31.2304,
      longitude: 121.4737,
      locationText: '人民路 88 号光交箱',
      reporterId: people.E2001?.id,
      areaId: departments.east?.id,
      isCritical: false,
    });
    expect(hazard.photos).toHaveLength(4);
    // The photos were downloaded from WeCom at once and are kept, byte for byte.
    const stored = await Promise.all(hazard.photos.map((key) => bot.running.services.storage.read(key)));
    expect(stored.map((data) => data.subarray(4).toString())).toEqual([
      'before-1',
      'during-category',
      'after-1',
      'after-2',
    ]);

    // The on-duty desk member gets the SMS with the reporter's name, staff number and phone.
    const sms = await eventually(() => twilio.to('+8613900003001')[0]);
    expect(sms.body).toContain(refNo);
    expect(sms.body).toContain('张伟');
    expect(sms.body).toContain('E2001');
    expect(sms.body).toContain('13900002001');
    expect(sms.body).toContain('人民路 88 号光交箱');
    expect(twilio.to('+8613900003002')).toHaveLength(0); // off duty
    expect(twilio.to('+8613900004001')).toHaveLength(0); // not critical: the manager is not alerted

    // `我的` lists it with its status.
    expect(await sendText(engineer, '我的')).toContain(`隐患 ${refNo} 箱体/光交（待处理）`);
  });

  it('insists on a photo for a hazard, lets anything be corrected from the summary, and 取消 drops the draft', async () => {
    const engineer = bot.client('liuyang');
    expect(await sendText(engineer, '隐患')).toBe(say('report.flow.askDescription', { kind: '隐患' }));
    await sendText(engineer, '电杆倾斜');
    // A location sent early is kept (and the step's question asked again), and 好了 later keeps it.
    const early = await engineer.deliver(engineer.locationXml(33.5, 119.1, '建设路口'));
    expect(early.reply?.content).toContain('已记录位置：建设路口\n请选择类别');
    await sendText(engineer, '2');
    expect(await sendText(engineer, '好了')).toBe(say('report.flow.needPhoto'));
    await photo(engineer, 'pole');
    await sendText(engineer, '好了');
    expect(await sendText(engineer, '好了')).toContain('位置：建设路口');
    expect(await sendText(engineer, '改位置')).toBe(say('report.flow.askLocation'));
    expect(await sendText(engineer, '跳过')).toContain('位置：未填写');
    expect(await sendText(engineer, '改描述')).toBe(say('report.flow.askDescription', { kind: '隐患' }));
    expect(await sendText(engineer, '电杆严重倾斜，有倒伏风险')).toContain('描述：电杆严重倾斜，有倒伏风险');
    expect(await sendText(engineer, '改位置')).toBe(say('report.flow.askLocation'));
    expect(await sendText(engineer, '建设路与中山路交叉口')).toContain('位置：建设路与中山路交叉口');
    expect(await sendText(engineer, '随便说点什么')).toBe(say('report.flow.confirmHint'));
    expect(await sendText(engineer, '取消')).toBe(say('bot.cancelled'));
    expect(await manager().countBy(Report, { reporterId: people.E2002?.id })).toBe(0);
  });

  it('takes a lead without photos or location', async () => {
    const engineer = bot.client('liuyang');
    expect(await sendText(engineer, '商机 隔壁商铺想装 500M 宽带')).toContain('请选择类别');
    expect(await sendText(engineer, '宽带新装')).toBe(say('report.flow.askPhotosOptional'));
    await sendText(engineer, '好了');
    expect(await sendText(engineer, '跳过')).toContain('照片：0 张');
    const reply = await sendText(engineer, '提交');
    expect(reply).toMatch(/SJ\d{8}-\d{4}/);
    const lead = await manager().findOneByOrFail(Report, { kind: 'lead' });
    expect(lead).toMatchObject({ category: '宽带新装', photos: [], latitude: null, locationText: null });
  });

  it('alerts the area manager at once for a critical hazard category', async () => {
    await inTransaction(bot.running.database.dataSource, (tx) =>
      putSetting({
        manager: tx,
        definition: criticalHazardCategoriesSetting,
        value: ['用电安全'],
        actor: 'test',
      }),
    );
    const engineer = bot.client('liuyang');
    await photo(engineer, 'wire');
    await sendText(engineer, '隐患 电线裸露，有触电危险');
    await sendText(engineer, '4');
    await sendText(engineer, '好了');
    await sendText(engineer, '跳过');
    const refNo = /YH\d{8}-\d{4}/.exec((await sendText(engineer, '提交')) ?? '')?.[0] ?? '';
    const alert = await eventually(() => twilio.to('+8613900004001').find((sms) => sms.body.includes(refNo)));
    expect(alert.body).toContain('重大隐患');
    expect(alert.body).toContain('刘洋');
    expect(await manager().findOneByOrFail(Report, { refNo })).toMatchObject({ isCritical: true });
  });

  it('drives the hazard to closure on the web, and the reporter hears each step in WeCom', async () => {
    const desk = await signedIn('T2001');
    const queue = await desk.get('/admin/hazards');
    expect(queue.status).toBe(200);
    expect(queue.body).toContain(hazard.refNo);
    expect(queue.body).toContain('张伟（E2001）');

    const detail = await desk.get(`/admin/reports/${hazard.id}`);
    expect(detail.body).toContain('光交箱门损坏无法关闭');
    expect(detail.body).toContain('https://uri.amap.com/marker?position=121.4737%2C31.2304');
    expect(detail.body).toContain('tel:+8613900002001');
    expect(detail.body).toContain(`/admin/reports/${hazard.id}/photos/2`);
    const image = await desk.get(`/admin/reports/${hazard.id}/photos/1`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(image.body).toContain('during-category');
    expect((await desk.get(`/admin/reports/${hazard.id}/photos/4`)).status).toBe(404);

    // Assign to the network department: its on-duty member gets an SMS, the reporter a push.
    const assigned = await act(desk, hazard, 'assign', { assignee: `department:${departments.network?.id}` });
    expect(assigned.status).toBe(302);
    const assignedSms = await eventually(() =>
      twilio.to('+8613900005001').find((s) => s.body.includes(hazard.refNo)),
    );
    expect(assignedSms.body).toContain('王芳');
    expect(twilio.to('+8613900005002')).toHaveLength(0); // off duty
    await eventually(() => pushesTo('zhangwei').some((text) => text.includes('网络支撑中心')));
    hazard = await reload(hazard);
    expect(hazard).toMatchObject({ status: 'assigned', assigneeDepartmentId: departments.network?.id });

    // An internal note stays internal; a note for the reporter is pushed.
    await act(desk, hazard, 'note', { text: '内部：已联系维护班组' });
    hazard = await reload(hazard);
    await act(desk, hazard, 'note', { text: '维护人员今天下午到场更换箱门', forReporter: '1' });
    await eventually(() => pushesTo('zhangwei').some((text) => text.includes('今天下午到场更换箱门')));
    expect(pushesTo('zhangwei').some((text) => text.includes('已联系维护班组'))).toBe(false);
    hazard = await reload(hazard);

    // Tier-3 of another department cannot see it, let alone close it.
    const iptv = await signedIn('V5001');
    expect((await iptv.get(`/admin/reports/${hazard.id}`)).status).toBe(404);
    expect((await iptv.get('/admin/hazards')).body).not.toContain(hazard.refNo);
    const refused = await iptv.post(`/admin/reports/${hazard.id}/close`, {
      _csrf: WebClient.csrf((await iptv.get('/admin/hazards')).body),
      version: String(hazard.version),
      resolution: 'fixed',
    });
    expect(refused.status).toBe(404);
    expect((await iptv.get(`/admin/reports/${hazard.id}/photos/0`)).status).toBe(404);
    // A manager reads but has no actions.
    const areaManager = await signedIn('M3001');
    const managerView = await areaManager.get(`/admin/reports/${hazard.id}`);
    expect(managerView.status).toBe(200);
    expect(managerView.body).not.toContain('id="close-form"');

    // The network department's engineer closes it; the reporter hears the outcome.
    const network = await signedIn('N4002');
    expect((await network.get('/admin/hazards')).body).toContain(hazard.refNo);
    const closed = await act(network, hazard, 'close', { resolution: 'fixed', note: '已更换箱门并加锁' });
    expect(closed.status).toBe(302);
    const push = await eventually(() => pushesTo('zhangwei').find((text) => text.includes('已办结')));
    expect(push).toBe(`您上报的隐患 ${hazard.refNo} 已办结，处理结果：已整改。已更换箱门并加锁`);
    hazard = await reload(hazard);
    expect(hazard).toMatchObject({
      status: 'closed',
      resolution: 'fixed',
      resolutionNote: '已更换箱门并加锁',
    });
    expect(await sendText(bot.client('zhangwei'), '我的')).toBe(say('bot.my.none'));

    // Closing again is an illegal transition, refused with the current state shown.
    const again = await act(network, hazard, 'close', { resolution: 'fixed' });
    expect(again.status).toBe(409);
    expect(again.body).toContain(say('web.report.illegal'));

    // Reopen goes back to the department, with the reason pushed to the reporter.
    expect((await act(desk, hazard, 'reopen', { reason: '现场复查箱门仍无法关闭' })).status).toBe(302);
    hazard = await reload(hazard);
    expect(hazard).toMatchObject({ status: 'assigned', resolution: null, closedAt: null });
    await eventually(() => pushesTo('zhangwei').some((text) => text.includes('现场复查箱门仍无法关闭')));

    const events = await manager().find(ReportEvent, {
      where: { reportId: hazard.id },
      order: { id: 'ASC' },
    });
    expect(events.map((event) => event.type)).toEqual([
      'submitted',
      'assigned',
      'note',
      'note',
      'closed',
      'reopened',
    ]);
    const timeline = (await desk.get(`/admin/reports/${hazard.id}`)).body;
    expect(timeline).toContain('已更换箱门并加锁');
    expect(timeline).toContain(say('web.report.forReporter'));
  });

  it('lets only one of two people acting at once win; the other is told it changed', async () => {
    hazard = await reload(hazard);
    const [first, second] = [await signedIn('T2001'), await signedIn('T2002')];
    const [a, b] = await Promise.all([
      act(first, hazard, 'close', { resolution: 'fixed', note: '甲' }),
      act(second, hazard, 'close', { resolution: 'not-a-hazard', note: '乙' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([302, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body).toContain(say('web.report.conflict'));
    const after = await reload(hazard);
    expect(after.status).toBe('closed');
    expect(await manager().countBy(ReportEvent, { reportId: hazard.id, type: 'closed' })).toBe(2); // one earlier, one now
    expect(
      await manager().countBy(OutboxMessage, {
        template: 'report.update',
        recipientRef: String(people.E2001?.id),
      }),
    ).toBeGreaterThan(0);
  });

  it('rejects bad input on the web without changing anything', async () => {
    const desk = await signedIn('T2001');
    const lead = await manager().findOneByOrFail(Report, { kind: 'lead' });
    const bad: Array<{ action: string; form: Record<string, string> }> = [
      { action: 'assign', form: { assignee: 'staff:abc' } },
      { action: 'assign', form: { assignee: 'department:999999' } },
      { action: 'close', form: { resolution: 'fixed' } }, // a hazard resolution on a lead
      { action: 'close', form: { resolution: 'converted', value: '-5' } },
      { action: 'note', form: { text: '   ' } },
    ];
    for (const { action, form } of bad) {
      const response = await act(desk, lead, action, form);
      expect(response.status).toBe(400);
    }
    expect((await desk.post(`/admin/reports/${lead.id}/note`, { version: '1', text: 'x' })).status).toBe(403); // no CSRF
    expect(await reload(lead)).toMatchObject({ status: 'open', version: lead.version });
    // A converted lead keeps its value and appears in the stats export.
    expect(
      (await act(desk, lead, 'close', { resolution: 'converted', value: '3600', note: '已签约' })).status,
    ).toBe(302);
    expect(await reload(lead)).toMatchObject({ resolution: 'converted', resolutionValue: 3600 });
    const stats = await (await signedIn('M3001')).get('/admin/report-stats?kind=lead');
    expect(stats.body).toContain('data-stat="total">1<');
    const csv = await (await signedIn('M3001')).get('/admin/report-stats.csv?kind=lead');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.body).toContain(`${lead.refNo},商机,宽带新装,已办结,城东片区,刘洋,E2002`);
    expect(csv.body).toContain('已转化,3600,隔壁商铺想装 500M 宽带');
    const pushed = await eventually(() => pushesTo('liuyang').find((text) => text.includes(lead.refNo)));
    expect(pushed).toBe(`您上报的商机 ${lead.refNo} 已办结，处理结果：已转化（金额 3600 元）。已签约`);
  });

  it('reminds the desk, then the area manager, of a report left untouched (fixed now)', async () => {
    const engineer = bot.client('zhangwei');
    await sendText(engineer, '商机 小区物业想开通 IPTV');
    await sendText(engineer, '3');
    await sendText(engineer, '好了');
    await sendText(engineer, '跳过');
    const refNo = /SJ\d{8}-\d{4}/.exec((await sendText(engineer, '提交')) ?? '')?.[0] ?? '';
    const report = await manager().findOneByOrFail(Report, { refNo });
    const logger = captureLogger().logger;
    const run = (minutes: number) =>
      reportRemindersJob.run({
        now: new Date(report.touchedAt.getTime() + minutes * 60_000),
        manager: manager(),
        logger,
      });
    const reminders = async () =>
      (
        await manager().find(OutboxMessage, { where: { template: 'report.reminder' }, order: { id: 'ASC' } })
      ).filter((row) => (row.data as { refNo?: string }).refNo === refNo);
    const before = (await reminders()).length;
    await run(59);
    expect((await reminders()).length).toBe(before);
    await run(61);
    await run(62); // once per stretch of silence
    const deskReminders = (await reminders()).slice(before);
    expect(deskReminders.map((row) => [row.recipientKind, row.recipientRef])).toEqual([
      ['group', 'control-desk'],
    ]);
    // Due at the job's `now` (an hour ahead of the clock), so read what the SMS will say from the outbox.
    const [deskReminder] = deskReminders;
    expect(deskReminder?.nextAttemptAt.getTime()).toBe(report.touchedAt.getTime() + 61 * 60_000);
    expect(findTemplate('report.reminder')?.render(deskReminder?.data, 'zh-CN').text).toBe(
      `【装维支撑】商机 ${refNo}（IPTV）已 61 分钟无人处理，请尽快处理。`,
    );
    await run(241);
    const all = (await reminders()).slice(before);
    expect(all.map((row) => row.recipientRef)).toEqual(['control-desk', String(people.M3001?.id)]);
    await run(300);
    expect((await reminders()).slice(before)).toHaveLength(2);
    expect(await manager().findOneByOrFail(Report, { refNo })).toMatchObject({ reminderLevel: 2 });
    // Any action starts a new stretch: the desk will be reminded again later.
    const desk = await signedIn('T2001');
    await act(desk, await reload(report), 'note', { text: '已联系物业' });
    const touched = await reload(report);
    expect(touched.reminderLevel).toBe(0);
    await reportRemindersJob.run({
      now: new Date(touched.touchedAt.getTime() + 61 * 60_000),
      manager: manager(),
      logger,
    });
    expect((await reminders()).slice(before)).toHaveLength(3);
  });
});
