/**
 * The quiz bank and the monthly points in the admin web, over real HTTP with a real session: who may
 * read and who may change what (admins edit; tier-2 and managers read); the question form listing every
 * problem next to its field and keeping what was typed; two editors saving the same question (the second
 * refused, nothing lost); levels edited in place and moved; the import upload refusing a file with bad
 * rows, or not in UTF-8, as a whole, and redirecting with its counts when it succeeds; the export going
 * back in unchanged; and the points page (last month by default), CSV and Excel agreeing with totals
 * computed by hand from ledger rows on both sides of a month boundary in Asia/Shanghai.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Workbook } from 'exceljs';
import { inTransaction } from '../../bot/src/db/transaction';
import { setPassword } from '../../bot/src/features/accounts';
import { AuditEntry } from '../../bot/src/features/audit';
import {
  createQuizLevel,
  createQuizQuestion,
  creditPoints,
  QuizLevel,
  QuizQuestion,
} from '../../bot/src/features/quiz';
import { createStaff, Department, parseCsv, type Role, type Staff } from '../../bot/src/features/staff';
import { t } from '../../bot/src/i18n';
import { startFieldline, type RunningFieldline } from '../../bot/src/main';
import { createTestDatabase, freePort, testConfig, type TestDatabase } from '../../bot/test/support';
import { WebClient } from '../../bot/test/web';
import { localMonth, previousLocalMonth } from '../../bot/src/zoned-time';
import { databaseEnv } from '../../bot/test/wecom';
import { can } from './access';
import { escapeHtml } from './html';
import { ADMIN_ROUTES } from './router';

const PASSWORD = 'correct horse battery';
const zh = (key: Parameters<typeof t>[1], params?: Parameters<typeof t>[2]) => t('zh-CN', key, params);
/** The first instant of January 2026 in Shanghai. */
const JAN_FIRST = new Date('2025-12-31T16:00:00.000Z');

describe('quiz bank and points in the admin web', () => {
  let database: TestDatabase;
  let running: RunningFieldline;
  let base: string;
  const people: Record<string, Staff> = {};
  const levels: Record<string, QuizLevel> = {};
  let questionId = 0;
  const manager = () => running.database.dataSource.manager;

  beforeAll(async () => {
    database = await createTestDatabase();
    const port = await freePort();
    running = await startFieldline(
      testConfig({ SERVICES: 'web', TZ: 'Asia/Shanghai', ...databaseEnv(database) }),
      {
        port,
        host: '127.0.0.1',
      },
    );
    await running.ready;
    base = `http://127.0.0.1:${port}`;
    await inTransaction(running.database.dataSource, async (tx) => {
      const team = await tx.save(
        tx.create(Department, { name: '装维一班', kind: 'tier3', createdAt: new Date() }),
      );
      const add = async (staffNo: string, name: string, role: Role, departmentId: number | null = null) => {
        people[staffNo] = await createStaff({
          manager: tx,
          staffNo,
          name,
          role,
          phone: '+8613800000000',
          departmentId,
        });
        await setPassword({ manager: tx, staffId: people[staffNo].id, password: PASSWORD });
      };
      await add('ADMIN1', '管理员', 'admin');
      await add('ADMIN2', '题库管理员', 'admin');
      await add('MGR1', '经理', 'manager');
      await add('T2A', '王芳', 'tier2');
      await add('T3NET', '网络中心', 'tier3', team.id);
      await add('E1', '王强', 'engineer', team.id);
      await add('E2', '李四', 'engineer', team.id);
      await add('E3', '@赵六', 'engineer', null);
      const setup = { manager: tx, actor: 'setup', now: new Date() };
      for (const name of ['入门', '进阶'])
        levels[name] = await createQuizLevel({
          ...setup,
          input: { name, questionsPerAttempt: 5, passPercent: 80, points: 10 },
        });
      questionId = (
        await createQuizQuestion({
          ...setup,
          form: {
            levelId: levels['入门']!.id,
            type: 'single',
            stem: '光猫 LOS 灯红表示？',
            options: ['光路故障', '电源故障', '网线故障'],
            answer: 'A',
            explanation: 'LOS 即光信号丢失',
            tags: ['光猫'],
            isActive: true,
          },
        })
      ).id;
      // Ledger rows: December and January in Shanghai, split at 2025-12-31T16:00Z.
      let source = 0;
      const credit = (
        staffNo: string,
        points: number,
        at: Date,
        kind: 'report' | 'quiz-attempt' = 'report',
      ) =>
        creditPoints({
          manager: tx,
          staffId: people[staffNo]!.id,
          points,
          reasonKey: kind === 'report' ? 'report.lead.converted' : 'quiz.passed',
          sourceType: kind,
          sourceId: (source += 1),
          now: at,
        });
      await credit('E1', 40, new Date(JAN_FIRST.getTime() - 1)); // 23:59:59.999 on Dec 31st: December
      await credit('E1', 15, JAN_FIRST, 'quiz-attempt');
      await credit('E1', 20, new Date('2026-01-20T02:00:00.000Z'));
      await credit('E2', 10, new Date('2026-01-05T02:00:00.000Z'), 'quiz-attempt');
      await credit('E3', 5, new Date('2026-01-31T15:59:59.000Z'));
      await credit('E3', 50, new Date('2026-01-31T16:00:00.000Z')); // February 1st
    });
  });
  afterAll(async () => {
    await running.stop();
    await database.drop();
  });

  const signedIn = (staffNo: string) => WebClient.signedIn(base, staffNo, PASSWORD);
  /** Posts a multipart form (file uploads) with the CSRF token of `pagePath`. */
  async function upload(web: WebClient, files: Record<string, [string, string | Buffer]>) {
    const page = await web.get('/admin/quiz');
    const form = new FormData();
    form.append('_csrf', WebClient.csrf(page.body));
    for (const [field, [name, text]] of Object.entries(files)) form.append(field, new Blob([text]), name);
    return web.request('POST', '/admin/quiz/import', form);
  }

  it('lets admins edit the bank, tier-2 and managers read it, managers the points, nobody else', async () => {
    const mine = ADMIN_ROUTES.filter(
      (route) => route.path.startsWith('/admin/quiz') || route.path.startsWith('/admin/points'),
    );
    expect(mine.length).toBeGreaterThanOrEqual(19);
    for (const staffNo of ['ADMIN1', 'MGR1', 'T2A', 'T3NET']) {
      const web = await signedIn(staffNo);
      const user = people[staffNo]!;
      for (const route of mine) {
        const id = route.path.startsWith('/admin/quiz/questions/')
          ? questionId
          : route.path.startsWith('/admin/quiz/levels/')
            ? levels['入门']!.id
            : people.E1!.id;
        const path = route.path.replace(':id', String(id));
        const response = route.method === 'GET' ? await web.get(path) : await web.post(path, {});
        const allowed = route.capability !== 'public' && can(user, route.capability);
        const label = `${staffNo} ${route.method} ${route.path}`;
        if (route.method === 'POST') {
          // Without a CSRF token an allowed POST stops at the CSRF check, a denied one at the access check.
          const reason = response.body.includes(zh('web.csrf'))
            ? 'csrf'
            : response.body.includes(zh('web.forbidden'))
              ? 'forbidden'
              : response.status;
          expect([label, reason]).toEqual([label, allowed ? 'csrf' : 'forbidden']);
        } else {
          expect([label, response.status]).toEqual([label, allowed ? 200 : 403]);
        }
      }
    }
    expect(can(people.ADMIN1!, 'quiz.write')).toBe(true);
    // DESIGN §1: admins maintain the bank; the desk reads it to answer engineers about a question.
    expect(['MGR1', 'T2A'].map((staffNo) => can(people[staffNo]!, 'quiz.write'))).toEqual([false, false]);
    expect(['MGR1', 'T2A'].map((staffNo) => can(people[staffNo]!, 'quiz.read'))).toEqual([true, true]);
    expect(can(people.MGR1!, 'points.read')).toBe(true);
    expect(can(people.T2A!, 'points.read')).toBe(false);
    expect(can(people.T3NET!, 'quiz.read')).toBe(false);

    for (const reader of ['MGR1', 'T2A']) {
      const bank = await (await signedIn(reader)).get('/admin/quiz');
      expect(bank.body).toContain('入门');
      expect(bank.body).not.toContain('id="new-level-form"');
      expect(bank.body).not.toContain('id="import-form"');
    }
    const managerWeb = await signedIn('MGR1');
    expect((await managerWeb.get(`/admin/quiz/questions/${questionId}`)).body).toMatch(
      /<fieldset\s+disabled/,
    );
    const refused = await managerWeb.submit(
      `/admin/quiz/questions/${questionId}`,
      `/admin/quiz/questions/${questionId}`,
      {
        version: '1',
        levelId: String(levels['入门']!.id),
        type: 'truefalse',
        stem: '经理改的',
        answer: '对',
      },
    );
    expect(refused.status).toBe(403);
    expect((await manager().findOneByOrFail(QuizQuestion, { id: questionId })).stem).toBe(
      '光猫 LOS 灯红表示？',
    );

    expect((await new WebClient(base).signIn('E1', PASSWORD)).status).toBe(401);
    const anonymous = await new WebClient(base).get('/admin/points');
    expect(anonymous.status).toBe(302);
    expect(anonymous.location).toContain('/admin/login');
    expect((await new WebClient(base).get('/admin/quiz/questions/999999')).status).toBe(302);
    expect((await (await signedIn('ADMIN1')).get('/admin/quiz/questions/999999')).status).toBe(404);
  });

  it('lists every problem of a question next to the form and keeps what was typed', async () => {
    const web = await signedIn('ADMIN1');
    const before = await manager().count(QuizQuestion);
    const sent = {
      levelId: '',
      type: 'multiple',
      stem: '',
      options: '弯折<b>\n弯折<b>',
      answer: 'AZ',
      explanation: '解析 & 说明',
      tags: '光路, 光衰',
      isActive: '1',
    };
    const refused = await web.submit('/admin/quiz/questions/new', '/admin/quiz/questions', sent);
    expect(refused.status).toBe(400);
    for (const key of [
      'quiz.bank.error.levelMissing',
      'quiz.import.error.stem',
      'quiz.import.error.optionDuplicate',
    ] as const)
      expect(refused.body).toContain(escapeHtml(zh(key)));
    expect(refused.body).toContain(escapeHtml(zh('quiz.import.error.answer', { value: 'AZ' })));
    expect(refused.body).toContain('<span class="error-text" data-field="options">');
    expect(refused.body).toContain('>\n弯折&lt;b&gt;\n弯折&lt;b&gt;</textarea>');
    expect(refused.body).toMatch(/name="answer"\s+value="AZ"/);
    expect(refused.body).toContain('解析 &amp; 说明</textarea>');
    expect(refused.body).toContain('value="光路, 光衰"');
    expect(refused.body).toMatch(/<option value="multiple"\s+selected/);
    expect(await manager().count(QuizQuestion)).toBe(before);

    const created = await web.submit('/admin/quiz/questions/new', '/admin/quiz/questions', {
      ...sent,
      levelId: String(levels['进阶']!.id),
      stem: '哪些会造成光衰过大？',
      options: '尾纤弯折\n接头脏污\n断电',
      answer: 'b a',
    });
    expect(created.status).toBe(302);
    const id = Number(/\/admin\/quiz\/questions\/(\d+)\?notice=/.exec(created.location ?? '')?.[1]);
    expect(await manager().findOneByOrFail(QuizQuestion, { id })).toMatchObject({
      answer: 'AB',
      options: ['尾纤弯折', '接头脏污', '断电'],
      tags: ['光路', '光衰'],
      explanation: '解析 & 说明',
    });
    const entry = await manager().findOneByOrFail(AuditEntry, {
      action: 'quiz.question.create',
      recordId: String(id),
    });
    expect(entry).toMatchObject({ actor: 'ADMIN1', recordType: 'quiz_question' });
    expect(entry.ip).toMatch(/127\.0\.0\.1/);
  });

  it('refuses the second of two editors saving the same question, keeping what they typed', async () => {
    const admin = await signedIn('ADMIN1');
    const desk = await signedIn('ADMIN2');
    const path = `/admin/quiz/questions/${questionId}`;
    const adminPage = await admin.get(path);
    const deskPage = await desk.get(path);
    const form = (stem: string) => ({
      version: /name="version" value="(\d+)"/.exec(adminPage.body)?.[1] ?? '',
      levelId: String(levels['入门']!.id),
      type: 'single',
      stem,
      options: '光路故障\n电源故障\n网线故障',
      answer: 'A',
      explanation: 'LOS 即光信号丢失',
      tags: '光猫',
      isActive: '1',
    });
    const first = await desk.post(path, {
      _csrf: WebClient.csrf(deskPage.body),
      ...form('光猫 LOS 灯红色常亮表示？'),
    });
    expect(first.status).toBe(302);
    const second = await admin.post(path, {
      _csrf: WebClient.csrf(adminPage.body),
      ...form('管理员的改法：LOS 红灯？'),
    });
    expect(second.status).toBe(409);
    expect(second.body).toContain(escapeHtml(zh('web.quiz.conflict')));
    expect(second.body).toContain('光猫 LOS 灯红色常亮表示？</textarea>');
    expect(second.body).toMatch(/id="question-sent"[\s\S]*管理员的改法：LOS 红灯？/);
    expect(await manager().findOneByOrFail(QuizQuestion, { id: questionId })).toMatchObject({
      stem: '光猫 LOS 灯红色常亮表示？',
      version: 2,
    });
    expect(
      await manager().count(AuditEntry, {
        where: { action: 'quiz.question.update', recordId: String(questionId) },
      }),
    ).toBe(1);
  });

  it('filters the list with counts, and deactivates and reactivates a question', async () => {
    const web = await signedIn('ADMIN2');
    const all = await web.get('/admin/quiz/questions');
    expect(all.body).toContain(zh('web.quiz.count', { total: 2, active: 2, inactive: 0 }));
    const back = `/admin/quiz/questions?level=${levels['入门']!.id}`;
    const list = await web.get(back);
    expect(list.body).toContain(zh('web.quiz.count', { total: 1, active: 1, inactive: 0 }));
    const version = String((await manager().findOneByOrFail(QuizQuestion, { id: questionId })).version);
    const off = await web.post(`/admin/quiz/questions/${questionId}/active`, {
      _csrf: WebClient.csrf(list.body),
      version,
      isActive: '0',
      back,
    });
    expect(off.status).toBe(302);
    expect(off.location).toBe(`${back}&notice=web.saved`);
    expect((await web.get(`${back}&active=1`)).body).toContain(
      zh('web.quiz.count', { total: 0, active: 0, inactive: 1 }),
    );
    expect((await web.get('/admin/quiz/questions?tag=%E5%85%89%E8%B7%AF')).body).toContain(
      zh('web.quiz.count', { total: 1, active: 1, inactive: 0 }),
    );
    const stale = await web.post(`/admin/quiz/questions/${questionId}/active`, {
      _csrf: WebClient.csrf(list.body),
      version,
      isActive: '1',
      back: 'https://evil.example/',
    });
    expect(stale.status).toBe(409);
    const on = await web.submit(
      `/admin/quiz/questions/${questionId}`,
      `/admin/quiz/questions/${questionId}/active`,
      {
        version: String(Number(version) + 1),
        isActive: '1',
        back: 'https://evil.example/',
      },
    );
    expect(on.location).toBe(`/admin/quiz/questions/${questionId}?notice=web.saved`);
    expect((await manager().findOneByOrFail(QuizQuestion, { id: questionId })).isActive).toBe(true);
  });

  it('edits level settings in place, refusing bad values and stale versions, and moves levels', async () => {
    const web = await signedIn('ADMIN1');
    const page = await web.get('/admin/quiz');
    const csrf = WebClient.csrf(page.body);
    const id = levels['进阶']!.id;
    const bad = await web.post(`/admin/quiz/levels/${id}`, {
      _csrf: csrf,
      version: '1',
      name: '进阶',
      questionsPerAttempt: '0',
      passPercent: '80',
      points: '2000',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain(escapeHtml(zh('quiz.level.error.questions', { min: 1, max: 50 })));
    expect(bad.body).toContain(escapeHtml(zh('quiz.level.error.points', { min: 0, max: 1000 })));
    expect(bad.body).toMatch(/form="level-\d+"\s+name="points"\s+value="2000"/);
    const good = await web.post(`/admin/quiz/levels/${id}`, {
      _csrf: csrf,
      version: '1',
      name: '进阶（光路）',
      questionsPerAttempt: '8',
      passPercent: '75',
      points: '20',
    });
    expect(good.status).toBe(302);
    const stale = await web.post(`/admin/quiz/levels/${id}`, {
      _csrf: csrf,
      version: '1',
      name: '进阶',
      questionsPerAttempt: '3',
      passPercent: '60',
      points: '5',
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toContain(escapeHtml(zh('web.quiz.levelConflict', { name: '进阶（光路）' })));
    expect(stale.body).toContain(
      escapeHtml(zh('web.quiz.levelSent', { name: '进阶', questions: 3, passPercent: 60, points: 5 })),
    );
    expect(await manager().findOneByOrFail(QuizLevel, { id })).toMatchObject({
      name: '进阶（光路）',
      questionsPerAttempt: 8,
      passPercent: 75,
      points: 20,
      version: 2,
    });
    expect((await web.post(`/admin/quiz/levels/${id}/move`, { _csrf: csrf, direction: 'up' })).status).toBe(
      302,
    );
    const added = await web.post('/admin/quiz/levels', {
      _csrf: csrf,
      name: '高手',
      questionsPerAttempt: '3',
      passPercent: '100',
      points: '50',
    });
    expect(added.status).toBe(302);
    const order = await manager().find(QuizLevel, { order: { sortOrder: 'ASC' } });
    expect(order.map((level) => [level.name, level.sortOrder])).toEqual([
      ['进阶（光路）', 1],
      ['入门', 2],
      ['高手', 3],
    ]);
    const taken = await web.post('/admin/quiz/levels', {
      _csrf: csrf,
      name: '高手',
      questionsPerAttempt: '3',
      passPercent: '100',
      points: '50',
    });
    expect(taken.status).toBe(400);
    expect(taken.body).toContain(escapeHtml(zh('quiz.level.error.nameTaken', { name: '高手' })));
  });

  it('imports nothing from an upload with bad rows, lists every error, and imports a good one', async () => {
    const web = await signedIn('ADMIN2');
    const count = async () => [await manager().count(QuizQuestion), await manager().count(QuizLevel)];
    const before = await count();
    const refused = await upload(web, {
      questions: [
        'bank.csv',
        [
          'level,type,stem,options,answer,explanation,tags',
          '入门,truefalse,ONU 上线前要注册 LOID,,对,,',
          '入门,single,机顶盒黑屏先查？,HDMI 线,A,,',
          '新关,truefalse,<script>x</script>,,是,,',
          '入门,choice,题目,a|b,A,,',
        ].join('\n'),
      ],
      levels: ['levels.json', JSON.stringify([{ level: '新关', order: 0 }])],
    });
    expect(refused.status).toBe(422);
    expect(refused.body).toContain(escapeHtml(zh('web.quiz.importFailed', { count: 4 })));
    const errors = /<ul class="errors" id="import-errors">([\s\S]*?)<\/ul>/.exec(refused.body)?.[1] ?? '';
    expect(errors.match(/<li>/g)).toHaveLength(4);
    expect(errors).toContain(zh('web.quiz.importWhere', { file: 'levels.json', row: 1 }));
    expect(errors).toContain(zh('web.quiz.importWhere', { file: 'bank.csv', row: 3 }));
    expect(errors).toContain(escapeHtml(zh('quiz.import.error.options', { max: 6 })));
    expect(errors).toContain(escapeHtml(zh('quiz.import.error.answer', { value: '是' })));
    expect(refused.body).not.toContain('<script>x</script>');
    expect(await count()).toEqual(before);

    // A spreadsheet saved as GBK (入门 = c8eb c3c5): refused as a whole, never read as mojibake.
    const gbk = await upload(web, {
      questions: [
        'excel.csv',
        Buffer.concat([
          Buffer.from('level,type,stem,options,answer,explanation,tags\r\n'),
          Buffer.from('c8ebc3c5', 'hex'),
          Buffer.from(',truefalse,x,,1,,\r\n'),
        ]),
      ],
    });
    expect(gbk.status).toBe(422);
    expect(gbk.body).toMatch(
      new RegExp(
        `id="import-errors">\\s*<li>\\s*excel\\.csv:\\s*${escapeHtml(zh('quiz.import.error.notUtf8'))}`,
      ),
    );
    expect(await count()).toEqual(before);

    const exported = await web.get('/admin/quiz/export.csv');
    expect(exported.headers.get('content-disposition')).toBe('attachment; filename="quiz-questions.csv"');
    const done = await upload(web, {
      questions: [
        'bank.csv',
        `${exported.body.replace(/\r\n$/, '')}\r\n新关,truefalse,尾纤可以随意弯折,,错,弯曲半径不能过小,光路,1\r\n`,
      ],
      levels: [
        'levels.json',
        JSON.stringify([{ level: '新关', order: 1, questions: 2, passPercent: 50, points: 5 }]),
      ],
    });
    // Post/redirect/get: the counts travel in the notice, and a reload imports nothing twice.
    expect(done.status).toBe(302);
    expect(done.location).toBe(
      '/admin/quiz?notice=web.quiz.importDone&created=1&updated=0&unchanged=2&levels=1',
    );
    expect((await web.get(done.location ?? '')).body).toContain(
      escapeHtml(zh('web.quiz.importDone', { created: 1, updated: 0, unchanged: 2, levels: 1 })),
    );
    expect(await manager().findOneByOrFail(QuizLevel, { name: '新关' })).toMatchObject({
      sortOrder: 1,
      questionsPerAttempt: 2,
      points: 5,
    });
    expect((await web.get('/admin/quiz/export.json')).headers.get('content-type')).toMatch(
      /application\/json/,
    );
    expect(
      await manager().count(AuditEntry, {
        where: { actor: 'ADMIN2', action: 'quiz.question.create', recordType: 'quiz_question' },
      }),
    ).toBe(1);
    expect((await upload(web, {})).status).toBe(400);

    // Where MariaDB's collation still calls two level names equal (ß and ss) and the bank's own
    // comparison does not, the unique index refuses the new one: an error on its row, nothing imported.
    await inTransaction(running.database.dataSource, (tx) =>
      createQuizLevel({
        manager: tx,
        actor: 'setup',
        now: new Date(),
        input: { name: 'Straße', questionsPerAttempt: 5, passPercent: 80, points: 10 },
      }),
    );
    const counted = await count();
    const clash = await upload(web, {
      questions: [
        'strasse.csv',
        'level,type,stem,options,answer,explanation,tags\n入门,truefalse,街道新题,,对,,\nStrasse,truefalse,街道题,,对,,\n',
      ],
    });
    if (database.config.kind === 'mysql') {
      expect(clash.status).toBe(422);
      const listed = /<ul class="errors" id="import-errors">([\s\S]*?)<\/ul>/.exec(clash.body)?.[1] ?? '';
      expect(listed).toContain(zh('web.quiz.importWhere', { file: 'strasse.csv', row: 3 }));
      expect(listed).toContain(escapeHtml(zh('quiz.level.error.nameTaken', { name: 'Strasse' })));
      expect(await count()).toEqual(counted);
    } else {
      expect(clash.status).toBe(302);
    }
  });

  it('shows, and exports as CSV and Excel, the monthly totals computed from the ledger', async () => {
    const web = await signedIn('MGR1');
    // January 2026, by hand: E1 15 quiz + 20 report = 35; E2 10 quiz; E3 5 report (the 50 is February's).
    const expected = [
      ['王强', 'E1', '装维一班', '15', '20', '35', '1'],
      ['李四', 'E2', '装维一班', '10', '0', '10', '2'],
      ["'@赵六", 'E3', '', '0', '5', '5', '3'],
    ];
    // Without a month: last month, the one settled (as on the ratings sheet).
    const settled = previousLocalMonth(localMonth(new Date(), 'Asia/Shanghai'));
    expect((await web.get('/admin/points')).body).toContain(`name="month" value="${settled}"`);
    const page = await web.get('/admin/points?month=2026-01');
    expect(page.status).toBe(200);
    const row = (staffNo: string) =>
      new RegExp(`data-staff="${staffNo}"[\\s\\S]*?data-stat="total">(\\d+)<`).exec(page.body)?.[1];
    expect([row('E1'), row('E2'), row('E3')]).toEqual(['35', '10', '5']);
    const csv = await web.get('/admin/points.csv?month=2026-01');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="points-2026-01.csv"');
    expect(parseCsv(csv.body).map((record) => record.fields)).toEqual([
      ['姓名', '工号', '部门', '闯关积分', '隐患商机积分', '合计', '排名'],
      ...expected,
    ]);
    const december = parseCsv((await web.get('/admin/points.csv?month=2025-12')).body).map(
      (record) => record.fields,
    );
    expect(december[1]).toEqual(['王强', 'E1', '装维一班', '0', '40', '40', '1']);

    const response = await fetch(`${base}/admin/points.xlsx?month=2026-01`, {
      headers: { cookie: [...web.cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    expect(response.status).toBe(200);
    const workbook = new Workbook();
    const file = Buffer.from(await response.arrayBuffer());
    // exceljs types its Buffer parameter against an older @types/node Buffer.
    await workbook.xlsx.load(file as unknown as Parameters<typeof workbook.xlsx.load>[0]);
    const rows: unknown[][] = [];
    workbook
      .getWorksheet('2026-01')
      ?.eachRow((sheetRow) => rows.push((sheetRow.values as unknown[]).slice(1)));
    expect(rows.slice(1)).toEqual(
      expected.map(([name, ...rest]) => [
        name!.replace(/^'/, ''),
        rest[0],
        rest[1],
        ...rest.slice(2).map(Number),
      ]),
    );

    const ledger = await web.get(`/admin/points/staff/${people.E1!.id}?month=2026-01`);
    expect(ledger.body).toContain(zh('web.points.ledgerMonth', { month: '2026-01', count: 2, total: 35 }));
    expect(ledger.body).toContain(zh('points.reason.quiz.passed'));
    expect(ledger.body).toContain(zh('points.reason.report.lead.converted'));
    const everything = await web.get(`/admin/points/staff/${people.E1!.id}`);
    expect(everything.body).toContain(zh('web.points.ledgerAll', { count: 3, total: 75 }));
    expect((await web.get('/admin/points/staff/999999')).status).toBe(404);
    // A future or malformed month falls back to last month rather than failing.
    for (const month of ['2999-01', '2026-13'])
      expect((await web.get(`/admin/points?month=${month}`)).body).toContain(
        `name="month" value="${settled}"`,
      );
  });
});
