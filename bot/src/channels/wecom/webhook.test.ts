import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { WecomClient } from '../../../../scripts/sim/wecom-client';
import {
  captureLogger,
  eventually,
  sleep,
  createTestDatabase,
  type TestDatabase,
} from '../../../test/support';
import { startBot, startFakeWecom, TEST_CORP, type FakeWecom, type RunningBot } from '../../../test/wecom';
import type { Dispatcher, MediaAttachment } from '../../conversation/dispatcher';
import { textReply } from '../../conversation/reply';
import { OutboxMessage } from '../../notifications/outbox.entity';
import { InboundMessageRecord } from './inbound-message.entity';
import type { InboundMessage } from './message';

/** The same URL with the signature's first hex digit changed (to a different digit, whatever it was). */
const forgeSignature = (url: string) =>
  url.replace(
    /msg_signature=([0-9a-f])/,
    (_whole, first: string) => `msg_signature=${first === '0' ? '1' : '0'}`,
  );

/** A dispatcher whose behaviour each test sets, and which counts what it was given (the "effects"). */
const effects: InboundMessage[] = [];
const attachments: Array<MediaAttachment | undefined> = [];
let behaviour: (message: InboundMessage) => Promise<ReturnType<typeof textReply>[]> = (message) =>
  Promise.resolve(message.type === 'text' ? [textReply(`收到：${message.content}`)] : []);
const countingDispatcher: Dispatcher = async ({ message, media }) => {
  effects.push(message);
  attachments.push(media);
  return behaviour(message);
};

describe('WeCom callback', () => {
  let database: TestDatabase;
  let fake: FakeWecom;
  let bot: RunningBot;
  let member: WecomClient;
  const logs = captureLogger('info');

  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startFakeWecom();
    bot = await startBot({
      database,
      apiBase: fake.url,
      dispatcher: countingDispatcher,
      replyBudgetMs: 1000, // generous: a loaded CI machine must not turn passive replies into pushes
      logger: logs.logger,
    });
    member = bot.client('zhangsan');
  });
  afterAll(async () => {
    await bot.stop();
    await fake.close();
    await database.drop();
  });
  beforeEach(() => {
    effects.length = 0;
    attachments.length = 0;
    behaviour = (message) =>
      Promise.resolve(message.type === 'text' ? [textReply(`收到：${message.content}`)] : []);
  });

  const rows = () =>
    bot.running.database.dataSource.manager.find(InboundMessageRecord, { order: { id: 'ASC' } });

  describe('URL verification', () => {
    it('answers the decrypted echostr as bare text', async () => {
      const answer = await member.verifyUrl('1616140317555161061');
      expect(answer).toMatchObject({ status: 200, body: '1616140317555161061' });
    });

    it('refuses a forged verification', async () => {
      const url = `${bot.baseUrl}/wecom/callback?msg_signature=${'0'.repeat(40)}&timestamp=${Math.floor(Date.now() / 1000)}&nonce=1&echostr=abcd`;
      expect((await fetch(url)).status).toBe(401);
    });
  });

  describe('messages', () => {
    it('answers a text message with an encrypted passive reply, To/From swapped', async () => {
      const result = await member.deliver(member.textXml('光猫注册失败'));
      expect(result.status).toBe(200);
      expect(result.reply).toEqual({
        toUser: 'zhangsan',
        fromUser: TEST_CORP.corpId,
        msgType: 'text',
        content: '收到：光猫注册失败',
      });
      expect(effects).toHaveLength(1);
      const [row] = (await rows()).slice(-1);
      expect(row).toMatchObject({
        status: 'done',
        fromUser: 'zhangsan',
        msgType: 'text',
        replyChannel: null,
      });
    });

    it('keeps "]]>" and emoji well-formed in the passive reply', async () => {
      behaviour = () => Promise.resolve([textReply('a]]>b 👷‍♂️ <xml> & "quotes"')]);
      const result = await member.deliver(member.textXml('hi'));
      expect(result.reply?.content).toBe('a]]>b 👷‍♂️ <xml> & "quotes"');
    });

    it('downloads a photo before dispatch and keeps it by content hash', async () => {
      const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1]), Buffer.from('光交箱门损坏')]);
      const mediaId = fake.state.addMedia(photo, 'image/jpeg');
      expect((await member.deliver(member.imageXml(mediaId))).status).toBe(200);
      const [attachment] = attachments;
      expect(attachment && 'stored' in attachment ? attachment.stored.key : undefined).toMatch(
        /^[0-9a-f]{64}\.jpg$/,
      );
      if (attachment && 'stored' in attachment) {
        expect((await bot.running.services.storage.read(attachment.stored.key)).equals(photo)).toBe(true);
      }
      const notPhoto = fake.state.addMedia(Buffer.from('GIF89a...'), 'image/gif');
      await member.deliver(member.imageXml(notPhoto));
      expect(attachments[1]).toEqual({ rejected: expect.stringContaining('not a JPEG or PNG') });
    });

    it('fails (and later retries) a photo that cannot be fetched right now, rather than losing it', async () => {
      fake.state.failNext('media/get', -1, 3);
      const mediaId = fake.state.addMedia(Buffer.from([0xff, 0xd8, 0xff, 0x00]), 'image/jpeg');
      expect(await member.deliver(member.imageXml(mediaId))).toMatchObject({ status: 200, body: '' });
      const failed = await eventually(async () =>
        (await rows()).find((row) => row.msgType === 'image' && row.status === 'failed'),
      );
      expect(failed.lastError).toMatch(/media\/get failed: -1/);
      expect(effects).toHaveLength(0);
    });

    it('records and acknowledges an unsupported message type with an empty 200', async () => {
      const result = await member.deliver(
        member.messageXml('miniprogram_notice', [['MsgId', WecomClient.nextMsgId()]]),
      );
      expect(result).toMatchObject({ status: 200, body: '', reply: undefined });
      expect((await rows()).at(-1)).toMatchObject({ msgType: 'miniprogram_notice', status: 'done' });
    });
  });

  describe('retries and duplicates', () => {
    it('gives five concurrent identical deliveries exactly one effect', async () => {
      const delivery = member.sign(member.textXml('同一条消息'));
      const before = (await rows()).length;
      const answers = await Promise.all(Array.from({ length: 5 }, () => member.post(delivery)));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      expect(effects).toHaveLength(1);
      expect((await rows()).length).toBe(before + 1);
      const replies = answers.map((answer) => member.openReply(answer.body)).filter(Boolean);
      expect(replies.length).toBeGreaterThanOrEqual(1);
      for (const reply of replies) expect(reply?.content).toBe('收到：同一条消息');
    });

    it('repeats the stored passive reply to a later retry without a second effect', async () => {
      const delivery = member.sign(member.textXml('重试'));
      const first = await member.post(delivery);
      const retry = await member.post(delivery);
      expect(effects).toHaveLength(1);
      expect(member.openReply(retry.body)?.content).toBe(member.openReply(first.body)?.content);
    });

    it('treats two different clicks in the same second as two messages', async () => {
      const second = Math.floor(Date.now() / 1000);
      const answers = await Promise.all([
        member.deliver(member.eventXml('click', 'REPORT_HAZARD', [], second)),
        member.deliver(member.eventXml('click', 'REPORT_LEAD', [], second)),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      expect(effects.map((message) => (message.type === 'event' ? message.eventKey : '')).sort()).toEqual([
        'REPORT_HAZARD',
        'REPORT_LEAD',
      ]);
    });
  });

  describe('replies that cannot be passive', () => {
    it('answers at once when processing runs past the budget, then pushes the reply', async () => {
      behaviour = async () => {
        await sleep(1600);
        return [textReply('慢慢处理完了')];
      };
      const result = await member.deliver(member.textXml('慢'));
      expect(result).toMatchObject({ status: 200, body: '', deliveries: 1 });
      const pushed = await eventually(() =>
        fake.state
          .messagesFor('zhangsan')
          .find((m) => m.msgtype === 'text' && (m.payload as { content: string }).content === '慢慢处理完了'),
      );
      expect(pushed).toBeDefined();
      const row = (await rows()).find(
        (r) => r.reply?.[0]?.type === 'text' && r.reply[0].content === '慢慢处理完了',
      );
      expect(row).toMatchObject({ replyChannel: 'push', status: 'done' });
      // The fake API records the push before the relay hears back and marks the row sent: wait for that.
      const outbox = await eventually(async () => {
        const found = await bot.running.database.dataSource.manager.findOneByOrFail(OutboxMessage, {
          dedupeKey: `inbound:${row?.id}:reply`,
        });
        return found.status === 'sent' ? found : undefined;
      });
      expect(outbox).toMatchObject({
        channel: 'wecom',
        status: 'sent',
        resolvedAddress: 'zhangsan',
        template: 'bot.reply',
      });
    });

    it('splits a text over 2048 bytes into several pushed messages, in order', async () => {
      const long = Array.from(
        { length: 120 },
        (_, i) => `第${i + 1}步：检查光猫 PON 灯状态并记录光功率。`,
      ).join('\n');
      expect(Buffer.byteLength(long)).toBeGreaterThan(4096);
      behaviour = () => Promise.resolve([textReply(long)]);
      const after = fake.state.messages.at(-1)?.id ?? 0;
      const result = await member.deliver(member.textXml('长回复'));
      expect(result).toMatchObject({ status: 200, body: '' });
      const parts = await eventually(() => {
        const messages = fake.state
          .messagesFor('zhangsan', after)
          .map((m) => (m.payload as { content: string }).content);
        return messages.join('\n') === long ? messages : undefined;
      });
      expect(parts.length).toBeGreaterThanOrEqual(3);
      for (const part of parts) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(2048);
    });
  });

  describe('recovery', () => {
    it('re-processes a message whose processing failed, and pushes the reply', async () => {
      let calls = 0;
      behaviour = (message) => {
        calls += 1;
        if (calls === 1) return Promise.reject(new Error('database hiccup'));
        return Promise.resolve([textReply(`补发：${message.type === 'text' ? message.content : ''}`)]);
      };
      const result = await member.deliver(member.textXml('失败后重试'));
      expect(result).toMatchObject({ status: 200, body: '' });
      const failed = (await rows()).at(-1);
      expect(failed).toMatchObject({ status: 'failed', lastError: 'Error: database hiccup' });

      // The wecom-inbox job runs once the retry delay (the lease) has passed.
      await bot.running.database.dataSource.manager.update(
        InboundMessageRecord,
        { id: failed?.id },
        { leaseUntil: new Date(0) },
      );
      expect(await bot.running.services.wecom.inbox.recover()).toBe(1);
      expect((await rows()).at(-1)).toMatchObject({ status: 'done', attempts: 2, replyChannel: 'push' });
      await eventually(() =>
        fake.state
          .messagesFor('zhangsan')
          .some((m) => (m.payload as { content?: string }).content === '补发：失败后重试'),
      );
    });

    it('processes a burst together, and one failing message does not take the others down', async () => {
      behaviour = (message) =>
        message.type === 'text' && message.content === '坏消息'
          ? Promise.reject(new Error('this one breaks'))
          : Promise.resolve([textReply(`收到：${message.type === 'text' ? message.content : ''}`)]);
      const contents = ['一', '二', '坏消息', '四', '五'];
      const answers = await Promise.all(contents.map((content) => member.deliver(member.textXml(content))));
      expect(answers.map((answer) => answer.reply?.content)).toEqual([
        '收到：一',
        '收到：二',
        undefined,
        '收到：四',
        '收到：五',
      ]);
      const recent = (await rows()).slice(-5);
      expect(recent.filter((row) => row.status === 'done')).toHaveLength(4);
      expect(
        recent
          .filter((row) => row.status === 'failed')
          .map((row) => row.payload.type === 'text' && row.payload.content),
      ).toEqual(['坏消息']);
    });

    it('finishes a message left mid-processing by a crashed instance, exactly once', async () => {
      const manager = bot.running.database.dataSource.manager;
      const message = { ...(await rows())[0]!.payload, msgId: 'crashed-1' } as InboundMessage;
      await manager.insert(InboundMessageRecord, {
        dedupeKey: 'msg:crashed-1',
        fromUser: 'zhangsan',
        msgType: 'text',
        event: null,
        payload: message,
        status: 'processing',
        attempts: 1,
        leaseUntil: new Date(Date.now() - 1000),
        receivedAt: new Date(),
      });
      const recovered = await Promise.all([
        bot.running.services.wecom.inbox.recover(),
        bot.running.services.wecom.inbox.recover(),
      ]);
      expect(recovered.reduce((sum, count) => sum + count, 0)).toBe(1);
      expect(effects).toHaveLength(1);
      expect(
        await manager.findOneByOrFail(InboundMessageRecord, { dedupeKey: 'msg:crashed-1' }),
      ).toMatchObject({
        status: 'done',
        attempts: 2,
      });
    });
  });

  describe('refusals: nothing processed, a clear status, never a 500', () => {
    const now = () => Math.floor(Date.now() / 1000);

    async function expectRefused(response: Promise<{ status: number }>, status: number) {
      const before = (await rows()).length;
      expect((await response).status).toBe(status);
      expect((await rows()).length).toBe(before);
      expect(effects).toHaveLength(0);
    }

    it('says in the log which setting to check', async () => {
      logs.lines.length = 0;
      const refusedLines = () => logs.lines.filter((line) => line.msg === 'wecom callback refused');
      const delivery = member.sign(member.textXml('x'));
      await member.post({
        ...delivery,
        url: forgeSignature(delivery.url),
      });
      await member.post(member.sign(member.textXml('y'), { corpId: 'wwsomeoneelse1234' }));
      const otherKey = new WecomClient({
        ...member.options,
        corp: { ...TEST_CORP, encodingAesKey: 'B'.repeat(43) },
      });
      await otherKey.post(otherKey.sign(otherKey.textXml('z')));
      await member.post(member.sign(member.textXml('old'), { timestamp: now() - 1000 }));
      expect(refusedLines().map((line) => line.check)).toEqual([
        'WECOM_TOKEN',
        'WECOM_CORP_ID',
        'WECOM_ENCODING_AES_KEY',
        'the server clock (NTP)',
      ]);
      expect(refusedLines().every((line) => line.level === 40)).toBe(true);
    });

    it('401 for a forged signature', async () => {
      const delivery = member.sign(member.textXml('forged'));
      await expectRefused(member.post({ ...delivery, url: forgeSignature(delivery.url) }), 401);
      const tampered = member.sign(member.textXml('tampered'));
      await expectRefused(
        member.post({
          ...tampered,
          // Change the first ciphertext character (to a different one, whatever it was).
          body: tampered.body.replace(
            /<Encrypt><!\[CDATA\[(.)/,
            (_whole, first: string) => `<Encrypt><![CDATA[${first === 'A' ? 'B' : 'A'}`,
          ),
        }),
        401,
      );
    });

    it('401 for a stale or future timestamp (a replay)', async () => {
      // Well outside the ±300 s window, so that a request slowed by a loaded machine (the server reads its
      // clock a second or two after the test) cannot drift back inside it.
      await expectRefused(member.post(member.sign(member.textXml('old'), { timestamp: now() - 330 })), 401);
      await expectRefused(
        member.post(member.sign(member.textXml('future'), { timestamp: now() + 330 })),
        401,
      );
    });

    it('401 for a message encrypted for another corp, or under another key', async () => {
      await expectRefused(
        member.post(member.sign(member.textXml('other corp'), { corpId: 'wwsomeoneelse1234' })),
        401,
      );
      const otherKey = new WecomClient({
        ...member.options,
        corp: { ...TEST_CORP, encodingAesKey: 'B'.repeat(43) },
      });
      await expectRefused(otherKey.post(otherKey.sign(otherKey.textXml('other key'))), 401);
    });

    it('400 for malformed envelopes, parameters and inner XML', async () => {
      const delivery = member.sign(member.textXml('x'));
      await expectRefused(member.post({ ...delivery, body: '<xml><Encrypt>' }), 400);
      await expectRefused(member.post({ ...delivery, body: 'not xml at all' }), 400);
      await expectRefused(
        member.post({ ...delivery, url: `${bot.baseUrl}/wecom/callback?timestamp=1&nonce=1` }),
        400,
      );
      const inner = (xml: string) => member.post(member.sign(xml));
      await expectRefused(inner('<xml><ToUserName>unclosed'), 400);
      await expectRefused(inner(member.textXml('x').replace('</xml>', '<MsgType>text</MsgType></xml>')), 400);
      await expectRefused(inner('<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>'), 400);
    });

    it('413 for a body over 64 KB, whether declared or streamed', async () => {
      const delivery = member.sign(member.textXml('big'));
      const huge = `<xml><Encrypt><![CDATA[${'A'.repeat(70 * 1024)}]]></Encrypt></xml>`;
      await expectRefused(member.post({ ...delivery, body: huge }), 413);
      // Chunked, with no Content-Length to check up front: the cap applies while reading.
      const chunked = new Promise<{ status: number }>((resolve, reject) => {
        const request = http.request(
          delivery.url,
          { method: 'POST', headers: { 'transfer-encoding': 'chunked' } },
          (response) => {
            response.resume();
            resolve({ status: response.statusCode ?? 0 });
          },
        );
        request.on('error', reject);
        for (let i = 0; i < 70; i += 1) request.write('A'.repeat(1024));
        request.end();
      });
      await expectRefused(chunked, 413);
    });

    it('401 for a message addressed to another corp inside a valid envelope', async () => {
      const xml = member
        .textXml('x')
        .replace(`<ToUserName><![CDATA[${TEST_CORP.corpId}]]>`, '<ToUserName><![CDATA[wwother]]>');
      await expectRefused(member.post(member.sign(xml)), 401);
    });
  });
});
