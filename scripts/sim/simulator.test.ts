import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DEV_API_PREFIX,
  DEV_CREDENTIALS_FILE,
  readDevCredentials,
} from '../../bot/src/channels/wecom/dev-credentials';
import { toWecomMenu } from '../../bot/src/conversation/menu';
import { inTransaction } from '../../bot/src/db/transaction';
import { QuizLevel, QuizQuestion } from '../../bot/src/features/quiz';
import { RatingTask } from '../../bot/src/features/rating';
import { createStaff } from '../../bot/src/features/staff';
import { DEFAULT_LOCALE, t, type MessageKey, type MessageParams } from '../../bot/src/i18n';
import { startFieldline, type RunningFieldline } from '../../bot/src/main';
import { createTestDatabase, eventually, testConfig, type TestDatabase } from '../../bot/test/support';
import { databaseEnv } from '../../bot/test/wecom';
import { runCli } from '../cli';
import { runSimulator } from './simulator';
import { WecomClient } from './wecom-client';

describe('development mode and the simulator', () => {
  let database: TestDatabase;
  let running: RunningFieldline;
  let baseUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    running = await startFieldline(testConfig({ SERVICES: 'web', ...databaseEnv(database) }), {
      port: 0,
      host: '127.0.0.1',
    });
    await running.ready;
    baseUrl = `http://127.0.0.1:${running.address?.port ?? 0}`;
  });
  afterAll(async () => {
    await running.stop();
    await database.drop();
  });

  it('creates development credentials in DATA_DIR and serves the fake WeCom API', () => {
    expect(existsSync(path.join(database.dir, DEV_CREDENTIALS_FILE))).toBe(true);
    const credentials = readDevCredentials(database.dir);
    expect(credentials?.corpId).toMatch(/^ww[0-9a-f]{16}$/);
    expect(credentials?.encodingAesKey).toHaveLength(43);
    expect(running.services.devWecom).toBeDefined();
  });

  it('chats: text, menu clicks, photos, locations and scans get answers; pushes are shown too', async () => {
    const corp = readDevCredentials(database.dir);
    if (!corp) throw new Error('no credentials');
    const photo = path.join(database.dir, 'cabinet.jpg');
    const photoBytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF光交箱')]);
    await writeFile(photo, photoBytes);

    const input = new PassThrough();
    const output = new PassThrough();
    let transcript = '';
    output.on('data', (chunk: Buffer) => (transcript += chunk.toString('utf8')));
    const session = runSimulator({
      client: new WecomClient({ baseUrl, corp, userId: 'zhangsan' }),
      input,
      output,
      fakeApiBase: `${baseUrl}${DEV_API_PREFIX}`,
    });
    const help = t(DEFAULT_LOCALE, 'bind.prompt'); // an unbound member gets the binding prompt, whatever they send
    const count = (text: string) => transcript.split(text).length - 1;

    input.write('你好\n');
    await eventually(() => count(`bot> ${help}`) === 1);
    input.write('/click REPORT_HAZARD\n');
    await eventually(() => count(`bot> ${help}`) === 2);
    input.write(`/photo ${photo}\n`);
    await eventually(() => count(`bot> ${help}`) === 3);
    input.write('/location 33.61 119.02 淮安市清江浦区\n/scan ZTEGC0FFEE01\n/nonsense\n');
    await eventually(() => count(`bot> ${help}`) === 5 && transcript.includes('Unknown command'));

    await running.services.wecom.api.sendMessage('zhangsan', {
      msgtype: 'text',
      text: { content: '您的报竣申请已处理' },
    });
    await eventually(() => transcript.includes('bot (push)> 您的报竣申请已处理'));

    input.end('/quit\n');
    await session;
    // The photo went through media/get and is kept by content hash.
    const key = `${createHash('sha256').update(photoBytes).digest('hex')}.jpg`;
    expect(await running.services.storage.exists(key)).toBe(true);
  });

  it('answers pushed cards with /card: a quiz button, a multiple-choice vote card, a rating star', async () => {
    const say = (key: MessageKey, params?: MessageParams) => t(DEFAULT_LOCALE, key, params);
    const task = await inTransaction(running.database.dataSource, async (tx) => {
      const engineer = await createStaff({
        manager: tx,
        staffNo: 'E7001',
        name: '刘洋',
        role: 'engineer',
        phone: '+8613900070010',
        wecomUserId: 'liuyang',
      });
      const desk = await createStaff({
        manager: tx,
        staffNo: 'T7001',
        name: '王芳',
        role: 'tier2',
        phone: '+8613900070020',
      });
      const levels = [
        { name: '单选关', type: 'single', stem: '光猫 LOS 灯红表示？', answer: 'A' },
        { name: '多选关', type: 'multiple', stem: '哪些会造成光衰过大？', answer: 'AB' },
      ] as const;
      const options = {
        single: ['光路故障', '电源故障', '网线故障', '软件故障'],
        multiple: ['尾纤弯折', '接头脏污', '断电', '密码错误'],
      };
      for (const [position, each] of levels.entries()) {
        const level = await tx.save(
          tx.create(QuizLevel, {
            sortOrder: position + 1,
            name: each.name,
            questionsPerAttempt: 1,
            passPercent: 100,
            points: 10,
            createdAt: new Date(),
          }),
        );
        await tx.save(
          tx.create(QuizQuestion, {
            levelId: level.id,
            type: each.type,
            stem: each.stem,
            options: options[each.type],
            answer: each.answer,
            explanation: null,
            tags: [],
            isActive: true,
            createdAt: new Date(),
          }),
        );
      }
      return tx.save(
        tx.create(RatingTask, {
          ticketRef: 'TW20261130-0001',
          ticketId: null,
          importedTicketId: null,
          summary: '光猫 LOS 红灯',
          raterStaffId: engineer.id,
          raterSide: 1,
          rateeStaffId: desk.id,
          rateeSide: 2,
          rateeDepartmentId: null,
          status: 'pending',
          stars: null,
          tags: [],
          comment: null,
          ticketArchivedAt: new Date(Date.now() - 86_400_000),
          createdAt: new Date(),
          expiresAt: new Date(Date.now() + 3 * 86_400_000),
          ratedAt: null,
          remindedAt: null,
        }),
      );
    });

    const corp = readDevCredentials(database.dir);
    if (!corp) throw new Error('no credentials');
    const input = new PassThrough();
    const output = new PassThrough();
    let transcript = '';
    output.on('data', (chunk: Buffer) => (transcript += chunk.toString('utf8')));
    const session = runSimulator({
      client: new WecomClient({ baseUrl, corp, userId: 'liuyang' }),
      input,
      output,
      fakeApiBase: `${baseUrl}${DEV_API_PREFIX}`,
    });
    const count = (text: string) => transcript.split(text).length - 1;
    /** The card's line that mentions `text`, read the way a person would read the terminal. */
    const lineWith = (pattern: RegExp) => {
      const match = pattern.exec(transcript);
      if (!match) throw new Error(`nothing like ${pattern} in:\n${transcript}`);
      return match;
    };

    input.write('/card 1\n');
    await eventually(() => transcript.includes('! no card has been pushed yet'));

    // 单选: the card lists the options by letter and numbers its buttons; click the right one by number.
    input.write('闯关\n');
    await eventually(() => transcript.includes('[card button_interaction · 我爱闯关]'));
    const letter = lineWith(/ {2}([A-F]): 光路故障\n/)[1];
    const number = lineWith(new RegExp(`\\[(\\d)\\] ${letter} \\(quiz:\\d+:0:${letter}\\)`))[1];
    input.write('/card 9\n');
    await eventually(() => transcript.includes('! no button 9 on the last card'));
    input.write(`/card ${number}\n`);
    await eventually(() => transcript.includes(say('quiz.flow.unlocked', { name: '多选关' })));
    expect(transcript).toContain(`bot> ${say('quiz.flow.right')}`);

    // 多选: a vote card with tick boxes; tick the two right options and submit.
    input.write('闯关\n');
    await eventually(() => transcript.includes('[card vote_interaction · 我爱闯关]'));
    const bend = lineWith(/ {2}\(([A-F])\) [A-F]\. 尾纤弯折\n/)[1];
    const dirt = lineWith(/ {2}\(([A-F])\) [A-F]\. 接头脏污\n/)[1];
    expect(transcript).toMatch(/ {2}submit: 提交答案 \(quiz:\d+:0:pick\)/);
    input.write('/card Z\n');
    await eventually(() => transcript.includes('! no option Z on the last card'));
    input.write(`/card ${bend} ${dirt}\n`);
    await eventually(() => transcript.includes(say('quiz.flow.allPassed', { count: 2 })));
    expect(count(`bot> ${say('quiz.flow.right')}`)).toBe(2);

    // 评价: the star card; click 5 星 by its key, then finish by text.
    input.write('评价\n');
    await eventually(() => transcript.includes('[card button_interaction · 三级支撑评价]'));
    expect(transcript).toContain(`  [5] 5 星 (rate:${task.id}:5)`);
    input.write(`/card rate:${task.id}:5\n`);
    await eventually(() => transcript.includes('bot> 已选 5 星'));
    input.write('跳过\n');
    await eventually(() => transcript.includes(`bot> ${say('rating.flow.comment')}`));
    input.write('跳过\n');
    await eventually(() => transcript.includes(say('rating.flow.saved', { name: '王芳', stars: 5 })));

    input.end('/quit\n');
    await session;
    expect(
      await running.database.dataSource.manager.findOneByOrFail(RatingTask, { id: task.id }),
    ).toMatchObject({ status: 'rated', stars: 5 });
  });

  it('pushes the menu to the running service with `fieldline wecom:menu`', async () => {
    const lines: string[] = [];
    const code = await runCli(['wecom:menu'], {
      out: (line) => lines.push(line),
      err: (line) => lines.push(line),
      env: { LOG_LEVEL: 'silent', PORT: String(running.address?.port), ...databaseEnv(database) },
    });
    expect(lines.join('\n')).toContain('Menu pushed to agent 1000002');
    expect(code).toBe(0);
    expect(running.services.devWecom?.menus.at(-1)).toEqual(toWecomMenu());
  });
});
