import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type WecomClient } from '../../../../scripts/sim/wecom-client';
import { createDispatcher } from '../../conversation/dispatcher';
import type { Flow } from '../../conversation/flow';
import { textReply } from '../../conversation/reply';
import { ConversationSession } from '../../conversation/session.entity';
import { inTransaction } from '../../db/transaction';
import { DEFAULT_LOCALE, t, type MessageKey, type MessageParams } from '../../i18n';
import { OutboxMessage } from '../../notifications/outbox.entity';
import { FakeTwilio } from '../../../test/fakes/twilio';
import { createTestDatabase, eventually, type TestDatabase } from '../../../test/support';
import { startBot, startFakeWecom, type FakeWecom, type RunningBot } from '../../../test/wecom';
import { BindingCode } from './binding-code.entity';
import { bindingFlow, createStaff, Staff } from '.';

const say = (key: MessageKey, params?: MessageParams) => t(DEFAULT_LOCALE, key, params);

/** A stand-in for a feature flow that takes photos (the report issue builds the real one). */
const photoFlow: Flow<{ photos: string[]; text: string }> = {
  name: 'test-report',
  command: 'hazard',
  description: 'command.my',
  requiresBinding: true,
  acceptsPhotos: true,
  start: (_context, argument, photos) =>
    Promise.resolve({
      kind: 'continue',
      step: 'photos',
      draft: { photos: [...photos], text: argument },
      replies: [textReply(`开始：${argument}，已有 ${photos.length} 张照片`)],
    }),
  handle: (_context, _step, draft, input) => {
    if (input.kind === 'photo' && 'stored' in input.media) {
      return Promise.resolve({
        kind: 'continue',
        step: 'photos',
        draft: { ...draft, photos: [...draft.photos, input.media.stored.key] },
        replies: [],
      });
    }
    if (input.kind === 'text' && input.text === '提交') {
      return Promise.resolve({
        kind: 'done',
        replies: [textReply(`已提交「${draft.text}」，${draft.photos.length} 张照片`)],
      });
    }
    return Promise.resolve({
      kind: 'continue',
      step: 'photos',
      draft,
      replies: [textReply('请继续发送照片，或发送“提交”')],
    });
  },
};

const JPEG = (label: string) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(label)]);

describe('binding and the conversation engine, through the real webhook', () => {
  let database: TestDatabase;
  const twilio = new FakeTwilio();
  let wecom: FakeWecom;
  let bot: RunningBot;
  let second: RunningBot;
  const staff: Record<string, Staff> = {};

  beforeAll(async () => {
    database = await createTestDatabase();
    await twilio.start();
    wecom = await startFakeWecom();
    const env = {
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+8610000000000',
      TWILIO_API_BASE: twilio.url,
    };
    const dispatcher = () => createDispatcher({ flows: [bindingFlow, photoFlow] as Flow[] });
    bot = await startBot({ database, apiBase: wecom.url, env, dispatcher: dispatcher() });
    // A second instance on the same database: MariaDB/MySQL only (SQLite is one instance on one host;
    // two SQLite connections in one process would block each other's event loop).
    second =
      database.config.kind === 'mysql'
        ? await startBot({ database, apiBase: wecom.url, env, dispatcher: dispatcher() })
        : bot;
    await inTransaction(bot.running.database.dataSource, async (manager) => {
      const add = async (
        staffNo: string,
        name: string,
        phone: string,
        extra: Partial<Parameters<typeof createStaff>[0]> = {},
      ) => {
        staff[staffNo] = await createStaff({ manager, staffNo, name, role: 'engineer', phone, ...extra });
      };
      await add('E1001', '张三', '+8613800001001');
      await add('E1002', '李四', '+8613800001002', { wecomUserId: 'lisi' });
      await add('E1003', '王五', '+8613800001003');
      await add('E1004', '赵六', '+8613800001004');
      await add('E1005', '孙七', '+8613800001005');
      await add('E1006', '周八', '+8613800001006');
      await add('A0001', '管理员', '+8613800000099', { role: 'admin' });
    });
    await bot.running.database.dataSource.manager.update(
      'staff',
      { id: staff.E1004?.id },
      { isActive: false },
    );
  });
  afterAll(async () => {
    await bot.stop();
    if (second !== bot) await second.stop();
    await twilio.stop();
    await wecom.close();
    await database.drop();
  });

  async function say_(client: WecomClient, content: string): Promise<string | undefined> {
    const result = await client.deliver(client.textXml(content));
    expect(result.status).toBe(200);
    return result.reply?.content;
  }
  const latestCode = async (phone: string) => {
    const sms = await eventually(() => twilio.to(phone).at(-1));
    return /(\d{6})/.exec(sms.body)?.[1] ?? '';
  };

  it('answers an unbound user with the binding prompt, whatever they send', async () => {
    const stranger = bot.client('stranger');
    expect(await say_(stranger, '你好')).toBe(say('bind.prompt'));
    expect(await say_(stranger, '隐患 光交箱门损坏')).toBe(say('bind.prompt'));
    expect((await stranger.deliver(stranger.eventXml('click', 'REPORT_HAZARD'))).reply?.content).toBe(
      say('bind.prompt'),
    );
    const photo = wecom.state.addMedia(JPEG('x'), 'image/jpeg');
    expect((await stranger.deliver(stranger.imageXml(photo))).reply?.content).toBe(say('bind.prompt'));
    expect((await stranger.deliver(stranger.eventXml('enter_agent'))).reply?.content).toBe(
      say('bind.prompt'),
    );
  });

  it('binds with 绑定 工号 手机号 and the SMS code', async () => {
    const zhangsan = bot.client('zhangsan');
    expect(await say_(zhangsan, '绑定 E1001 138 0000 1001')).toBe(
      say('bind.codeSent', { phone: '138****1001' }),
    );
    const sms = await eventually(() => twilio.to('+8613800001001')[0]);
    expect(sms.body).toMatch(/^【装维支撑】您的绑定验证码是 \d{6}，5 分钟内有效。/);
    const code = /(\d{6})/.exec(sms.body)?.[1] ?? '';
    const stored = await bot.running.database.dataSource.manager.findOneByOrFail(BindingCode, {
      staffId: staff.E1001?.id,
    });
    expect(stored.codeHash).not.toContain(code);
    expect(stored.codeHash).toMatch(/^[0-9a-f]{64}$/);

    expect(await say_(zhangsan, code)).toBe(say('bind.success', { name: '张三', staffNo: 'E1001' }));
    expect(
      await bot.running.database.dataSource.manager.findOneByOrFail(Staff, { staffNo: 'E1001' }),
    ).toMatchObject({ wecomUserId: 'zhangsan' });

    const help = await say_(zhangsan, '帮助');
    expect(help).toContain('隐患 — ');
    expect(help).toContain('我的 — 查看我进行中的事项');
    expect(help).not.toContain('绑定 — ');
    expect(await say_(zhangsan, '绑定 E1001 13800001001')).toBe(
      say('bind.alreadyBound', { staffNo: 'E1001', name: '张三' }),
    );
    expect(await say_(zhangsan, '我的')).toBe(say('bot.my.none'));
    expect(await say_(zhangsan, '通知')).toBe(say('bot.notYetAvailable', { command: '通知' }));
    expect(await say_(zhangsan, '今天天气怎么样')).toBe(say('bot.unknown'));
  });

  it('binds step by step, and a session continues on another instance sharing the database', async () => {
    const wangwu = bot.client('wangwu');
    const wangwuOnSecond = second.client('wangwu');
    expect(await say_(wangwu, '绑定')).toBe(say('bind.askStaffNo'));
    expect(await say_(wangwuOnSecond, 'E1003')).toBe(say('bind.askPhone'));
    expect(await say_(wangwu, '12345')).toBe(say('bind.badPhone'));
    expect(await say_(wangwuOnSecond, '13800001003')).toBe(say('bind.codeSent', { phone: '138****1003' }));
    expect(await say_(wangwu, await latestCode('+8613800001003'))).toBe(
      say('bind.success', { name: '王五', staffNo: 'E1003' }),
    );
  });

  it('refuses wrong codes with the tries left, then too many; and expired codes', async () => {
    const user = bot.client('sunqi');
    await say_(user, '绑定 E1005 13800001005');
    const code = await latestCode('+8613800001005');
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await say_(user, wrong)).toBe(say('bind.wrongCode', { left: 4 }));
    expect(await say_(user, 'abc')).toBe(say('bind.askCode'));
    for (const left of [3, 2, 1]) expect(await say_(user, wrong)).toBe(say('bind.wrongCode', { left }));
    expect(await say_(user, wrong)).toBe(say('bind.tooManyAttempts'));
    expect(await say_(user, code)).toBe(say('bind.prompt')); // the flow ended; the right code is too late

    await say_(user, '绑定 E1005 13800001005');
    const second_ = await latestCode('+8613800001005');
    await bot.running.database.dataSource.manager.update(
      BindingCode,
      { staffId: staff.E1005?.id },
      { expiresAt: new Date(Date.now() - 1000) },
    );
    expect(await say_(user, second_)).toBe(say('bind.codeExpired'));
  });

  it('sends at most 3 codes per staff record per 15 minutes', async () => {
    const user = bot.client('zhouba');
    for (let i = 0; i < 3; i += 1)
      expect(await say_(user, '绑定 E1006 13800001006')).toBe(say('bind.codeSent', { phone: '138****1006' }));
    expect(await say_(user, '绑定 E1006 13800001006')).toBe(say('bind.rateLimited', { minutes: 15 }));
    expect(
      await bot.running.database.dataSource.manager.countBy(BindingCode, { staffId: staff.E1006?.id }),
    ).toBe(3);
  });

  it('never takes over a record bound to someone else, and tells the admins', async () => {
    const intruder = bot.client('intruder');
    expect(await say_(intruder, '绑定 E1002 13800001002')).toBe(say('bind.boundElsewhere'));
    const alert = await eventually(() => twilio.to('+8613800000099')[0]);
    expect(alert.body).toContain(
      '工号 E1002（李四）已绑定企业微信账号 lisi，刚才有账号 intruder 试图绑定该工号，已被拒绝',
    );
    expect(twilio.to('+8613800001002')).toHaveLength(0);
    // Retrying does not flood the admins.
    await say_(intruder, '绑定 E1002 13800001002');
    const alerts = await bot.running.database.dataSource.manager.countBy(OutboxMessage, {
      template: 'staff.bindingTakeoverAttempt',
    });
    expect(alerts).toBe(1);
  });

  it('gives one answer for an unknown staff number and a wrong phone, and refuses deactivated staff', async () => {
    const user = bot.client('guesser');
    expect(await say_(user, '绑定 X9999 13800009999')).toBe(say('bind.mismatch'));
    expect(await say_(user, '绑定 E1003 13900000000')).toBe(say('bind.mismatch'));
    expect(await say_(user, '绑定 E1004 13800001004')).toBe(say('bind.deactivated'));
  });

  it('cancels a flow with 取消, and drops a flow left idle for 10 minutes', async () => {
    const user = bot.client('idle-user');
    expect(await say_(user, '取消')).toBe(say('bind.prompt'));
    await say_(user, '绑定');
    expect(await say_(user, '取消')).toBe(say('bot.cancelled'));
    expect(await say_(user, 'E1003')).toBe(say('bind.prompt'));

    await say_(user, '绑定');
    await bot.running.database.dataSource.manager.update(
      ConversationSession,
      { wecomUserId: 'idle-user' },
      { expiresAt: new Date(Date.now() - 1000) },
    );
    const result = await user.deliver(user.textXml('E1003'));
    // Two replies (the timeout notice and the prompt) cannot be one passive reply: they are pushed.
    expect(result.body).toBe('');
    const pushed = await eventually(() => {
      const messages = wecom.state
        .messagesFor('idle-user')
        .map((m) => (m.payload as { content: string }).content);
      return messages.length >= 2 ? messages : undefined;
    });
    expect(pushed).toEqual([say('bot.timedOut'), say('bind.prompt')]);
  });

  it('attaches photos sent before and after the command to the flow', async () => {
    const zhangsan = bot.client('zhangsan');
    const photos = ['a', 'b', 'c'].map((label) => wecom.state.addMedia(JPEG(label), 'image/jpeg'));
    expect((await zhangsan.deliver(zhangsan.imageXml(photos[0] ?? ''))).reply?.content).toBe(
      say('bot.photoKept'),
    );
    expect((await zhangsan.deliver(zhangsan.imageXml(photos[1] ?? ''))).reply).toBeUndefined(); // one prompt per batch
    expect(await say_(zhangsan, '隐患 光交箱门损坏')).toBe('开始：光交箱门损坏，已有 2 张照片');
    // A photo chosen through a pic_* menu event arrives after the event, as its own message.
    expect((await zhangsan.deliver(zhangsan.eventXml('pic_photo_or_album', 'PHOTO'))).reply).toBeUndefined();
    expect((await zhangsan.deliver(zhangsan.imageXml(photos[2] ?? ''))).reply).toBeUndefined();
    expect(await say_(zhangsan, '帮助')).toContain('隐患 — '); // help does not end the flow
    expect(await say_(zhangsan, '提交')).toBe('已提交「光交箱门损坏」，3 张照片');
  });

  it('answers in the language of the staff record', async () => {
    const zhangsan = bot.client('zhangsan');
    await bot.running.database.dataSource.manager.update(Staff, { staffNo: 'E1001' }, { language: 'en-US' });
    expect(await say_(zhangsan, 'help')).toContain(t('en-US', 'bot.help.title'));
    expect(await say_(zhangsan, '我的')).toBe(t('en-US', 'bot.my.none'));
    await bot.running.database.dataSource.manager.update(Staff, { staffNo: 'E1001' }, { language: 'zh-CN' });
  });

  it('ends access at once for a bound user who is deactivated', async () => {
    const wangwu = bot.client('wangwu');
    await bot.running.database.dataSource.manager.update(
      'staff',
      { id: staff.E1003?.id },
      { isActive: false },
    );
    expect(await say_(wangwu, '帮助')).toBe(say('bot.deactivated'));
    expect(await say_(wangwu, '绑定 E1003 13800001003')).toBe(say('bot.deactivated'));
  });
});
