import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { AuditEntry } from '../../bot/src/features/audit';
import { QuizLevel, QuizQuestion } from '../../bot/src/features/quiz';
import { cliEnv, runCliCaptured, writeTestFile } from '../../bot/test/cli';
import { createTestDatabase, openDataSource, type TestDatabase } from '../../bot/test/support';

const HEADER = 'level,type,stem,options,answer,explanation,tags';

describe('quiz:import and quiz:export', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDataSource(database.config);
    env = cliEnv(database, { TZ: 'Asia/Shanghai' });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const cli = (...argv: string[]) => runCliCaptured(env, argv);
  const file = (name: string, content: string) => writeTestFile(database, name, content);

  it('imports nothing when any row is bad, and lists every error with its row', async () => {
    const csv = await file(
      'bad.csv',
      [
        HEADER,
        '入门,single,光猫 LOS 灯红表示？,光路故障|电源故障|网线故障,A,LOS 即光信号丢失,光猫;故障',
        '入门,choice,题目,a|b,A,,',
        '入门,single,,只有一个选项,AB,,',
        '入门,multiple,哪些是光衰原因？,弯折|脏污|断电,AD,,',
        '入门,truefalse,ONU 要注册 LOID,是|否,是,,',
        '入门,single,光猫 LOS 灯红表示？,x|y,B,,',
        '入门,single,缺列',
      ].join('\r\n'),
    );
    const result = await cli('quiz:import', csv);
    expect(result.code).toBe(1);
    expect(result.err.split('\n')).toEqual([
      'row 3: type "choice" is not single, multiple or truefalse',
      'row 4: the question is required (at most 1000 characters)',
      'row 4: a choice question needs 2–6 options separated by | (each at most 200 characters)',
      'row 4: answer "AB" is invalid (one letter for single choice, letters for multiple, 对 or 错 for true/false)',
      'row 5: answer "AD" is invalid (one letter for single choice, letters for multiple, 对 or 错 for true/false)',
      'row 6: a true/false question takes no options',
      'row 6: answer "是" is invalid (one letter for single choice, letters for multiple, 对 or 错 for true/false)',
      'row 7: the same question of the same level as row 2',
      'row 8: expected 7 columns, found 3',
      'Nothing imported: 6 row(s) have errors.',
    ]);
    expect(await dataSource.manager.count(QuizQuestion)).toBe(0);
    expect(await dataSource.manager.count(QuizLevel)).toBe(0);
  });

  it('refuses a file that is not UTF-8 (a spreadsheet saved as GBK), importing nothing', async () => {
    // What Excel's plain "CSV" writes on Chinese Windows: GBK. 入门 = c8eb c3c5, 光纤可以弯折 =
    // b9e2 cfcb bfc9 d2d4 cde4 d5db, 错 = b4ed.
    const gbk = (hex: string) => Buffer.from(hex, 'hex');
    const ascii = (text: string) => Buffer.from(text, 'latin1');
    const questions = path.join(database.dir, 'excel-gbk.csv');
    await writeFile(
      questions,
      Buffer.concat([
        ascii(`${HEADER}\r\n`),
        gbk('c8ebc3c5'),
        ascii(',truefalse,'),
        gbk('b9e2cfcbbfc9d2d4cde4d5db'),
        ascii(',,'),
        gbk('b4ed'),
        ascii(',,\r\n'),
      ]),
    );
    const levels = path.join(database.dir, 'levels-gbk.csv');
    await writeFile(
      levels,
      Buffer.concat([
        ascii('level,order,questions,passPercent,points\r\n'),
        gbk('c8ebc3c5'),
        ascii(',1,,,\r\n'),
      ]),
    );
    const result = await cli('quiz:import', questions, '--levels', levels);
    expect(result.code).toBe(1);
    const notUtf8 =
      'the file is not UTF-8: in Excel, save it as "CSV UTF-8 (Comma delimited)" and import it again';
    expect(result.err.split('\n')).toEqual([
      `levels file: ${notUtf8}`,
      `file: ${notUtf8}`,
      'Nothing imported: 2 row(s) have errors.',
    ]);
    expect(await dataSource.manager.count(QuizQuestion)).toBe(0);
    expect(await dataSource.manager.count(QuizLevel)).toBe(0);
  });

  it('imports CSV and JSON, creating new levels with the defaults after the existing ones', async () => {
    const csv = await file(
      'good.csv',
      [
        HEADER,
        '入门,single,光猫 LOS 灯红表示？,光路故障|电源故障|网线故障,a,LOS 即光信号丢失,光猫;故障',
        '入门,multiple,哪些是光衰原因？,弯折|脏污|断电,CA,,光路',
        '进阶,truefalse,ONU 要注册 LOID,,对,,',
      ].join('\n'),
    );
    expect(await cli('quiz:import', csv)).toMatchObject({
      code: 0,
      out: 'Imported 3 question(s): 3 added, 0 updated, 0 unchanged; new level(s): 入门, 进阶.',
    });
    const json = await file(
      'more.json',
      JSON.stringify([
        {
          level: '进阶',
          type: 'single',
          stem: '机顶盒黑屏先查？',
          options: ['HDMI 线', '遥控器'],
          answer: 'A',
        },
        { level: '高手', type: 'truefalse', stem: '尾纤可以随意弯折', answer: '错', tags: ['光路'] },
      ]),
    );
    expect(await cli('quiz:import', json)).toMatchObject({
      code: 0,
      out: 'Imported 2 question(s): 2 added, 0 updated, 0 unchanged; new level(s): 高手.',
    });
    const levels = await dataSource.manager.find(QuizLevel, { order: { sortOrder: 'ASC' } });
    expect(levels.map((level) => [level.name, level.sortOrder])).toEqual([
      ['入门', 1],
      ['进阶', 2],
      ['高手', 3],
    ]);
    expect(levels[0]).toMatchObject({ questionsPerAttempt: 5, passPercent: 80, points: 10 });
    const multiple = await dataSource.manager.findOneByOrFail(QuizQuestion, { type: 'multiple' });
    expect(multiple).toMatchObject({ answer: 'AC', options: ['弯折', '脏污', '断电'], tags: ['光路'] });
    const first = await dataSource.manager.findOneByOrFail(QuizQuestion, { stem: '光猫 LOS 灯红表示？' });
    expect(first).toMatchObject({ answer: 'A', tags: ['光猫', '故障'], explanation: 'LOS 即光信号丢失' });
  });
  it('refuses a levels file with bad rows, listing errors of both files, and imports nothing', async () => {
    const levels = await file(
      'bad-levels.csv',
      ['level,order,questions,passPercent,points', '入门,1,0,80,10', '进阶,1,5,,', '高手,x'].join('\n'),
    );
    const questions = await file(
      'fine.csv',
      [HEADER, '新手村,truefalse,装维人员上门前要预约,,对,,'].join('\n'),
    );
    const result = await cli('quiz:import', questions, '--levels', levels);
    expect(result.code).toBe(1);
    expect(result.err.split('\n')).toEqual([
      'levels row 2: questions per attempt must be a whole number from 1 to 50',
      'levels row 3: order 1 is also on row 2',
      'levels row 4: expected 5 columns, found 2',
      'Nothing imported: 3 row(s) have errors.',
    ]);
    expect(await dataSource.manager.count(QuizLevel)).toBe(3);
    expect(await dataSource.manager.countBy(QuizQuestion, { stem: '装维人员上门前要预约' })).toBe(0);
    expect((await cli('quiz:import')).code).toBe(64);
    expect((await cli('quiz:import', questions, '--levels')).code).toBe(64);
    expect((await cli('quiz:import', questions, '--skip-invalid')).code).toBe(64);
  });

  it('applies a levels file alone or with questions in one go, and audits every change', async () => {
    const levels = await file(
      'levels.json',
      JSON.stringify([
        { level: '高手', order: 1, questions: 3, passPercent: 100, points: 50 },
        { level: '新手村', order: 2, questions: 2, passPercent: 50, points: '' },
      ]),
    );
    expect(await cli('quiz:import', '--levels', levels)).toMatchObject({
      code: 0,
      out: 'Levels: 2 level(s) added or changed.',
    });
    const order = async () =>
      (await dataSource.manager.find(QuizLevel, { order: { sortOrder: 'ASC' } })).map((level) => [
        level.name,
        level.questionsPerAttempt,
        level.passPercent,
        level.points,
      ]);
    expect(await order()).toEqual([
      ['高手', 3, 100, 50],
      ['新手村', 2, 50, 10],
      ['入门', 5, 80, 10],
      ['进阶', 5, 80, 10],
    ]);
    const both = await file(
      'levels-2.csv',
      ['level,order,questions,passPercent,points', '入门,1,4,75,'].join('\n'),
    );
    const questions = await file(
      'more.csv',
      [HEADER, '新手村,truefalse,装维人员上门前要预约,,对,上门前电话预约,规范'].join('\n'),
    );
    expect(await cli('quiz:import', '--levels', both, questions)).toMatchObject({
      code: 0,
      out: [
        'Levels: 1 level(s) added or changed.',
        'Imported 1 question(s): 1 added, 0 updated, 0 unchanged.',
      ].join('\n'),
    });
    expect((await order())[0]).toEqual(['入门', 4, 75, 10]);
    const actor = `cli:${userInfo().username}`;
    const entries = await dataSource.manager.find(AuditEntry, { where: { actor }, order: { id: 'ASC' } });
    expect(
      entries.map((entry) => [entry.action, (entry.after as { importedFrom?: string }).importedFrom]),
    ).toEqual(
      expect.arrayContaining([
        ['quiz.level.update', 'levels.json'],
        ['quiz.level.create', 'levels.json'],
        ['quiz.level.update', 'more.csv + levels-2.csv'],
        ['quiz.question.create', 'more.csv + levels-2.csv'],
      ]),
    );
  });

  it('exports CSV and JSON that rebuild the same bank in another database', async () => {
    const other = await createTestDatabase();
    const otherSource = await openDataSource(other.config);
    const otherEnv = cliEnv(other, { TZ: 'Asia/Shanghai' });
    try {
      await dataSource.manager.update(QuizQuestion, { stem: '机顶盒黑屏先查？' }, { isActive: false });
      for (const format of ['csv', 'json']) {
        const questions = path.join(database.dir, `bank.${format}`);
        const levels = path.join(database.dir, `levels.${format}`);
        expect(await cli('quiz:export', questions, '--levels', levels)).toMatchObject({
          code: 0,
          out: `Wrote 6 question(s) to ${questions}.\nWrote 4 level(s) to ${levels}.`,
        });
        const imported = await runCliCaptured(otherEnv, ['quiz:import', questions, '--levels', levels]);
        expect(imported.code).toBe(0);
        const copy = path.join(other.dir, `copy.${format}`);
        const copyLevels = path.join(other.dir, `copy-levels.${format}`);
        expect((await runCliCaptured(otherEnv, ['quiz:export', copy, '--levels', copyLevels])).code).toBe(0);
        expect(await readFile(copy, 'utf8')).toBe(await readFile(questions, 'utf8'));
        expect(await readFile(copyLevels, 'utf8')).toBe(await readFile(levels, 'utf8'));
      }
      const first = await readFile(path.join(database.dir, 'bank.csv'), 'utf8');
      expect(first.startsWith('\ufefflevel,type,stem,options,answer,explanation,tags,active\r\n')).toBe(true);
      expect(first).toContain('进阶,single,机顶盒黑屏先查？,HDMI 线|遥控器,A,,,0\r\n');
      // The second import of the same files changed nothing.
      expect(await otherSource.manager.count(QuizQuestion)).toBe(6);
      expect(
        (await otherSource.manager.findOneByOrFail(QuizQuestion, { stem: '机顶盒黑屏先查？' })).isActive,
      ).toBe(false);
      expect((await cli('quiz:export', path.join(database.dir, 'bank.txt'))).code).toBe(64);
    } finally {
      await otherSource.destroy();
      await other.drop();
    }
  });
  it('reports a level name the database refuses on its row (MariaDB: ß and ss are one name)', async () => {
    const levels = await file('strasse-levels.csv', 'level,order,questions,passPercent,points\nStraße,,,,\n');
    expect((await cli('quiz:import', '--levels', levels)).code).toBe(0);
    const before = await dataSource.manager.count(QuizQuestion);
    const questions = await file(
      'strasse.csv',
      `${HEADER}\n进阶,truefalse,街道新题,,对,,\nStrasse,truefalse,街道题,,对,,\n`,
    );
    const result = await cli('quiz:import', questions);
    if (database.config.kind === 'mysql') {
      expect(result.code).toBe(1);
      expect(result.err.split('\n')).toEqual([
        'row 3: there is already a level named "Strasse"',
        'Nothing imported: 1 row(s) have errors.',
      ]);
      expect(await dataSource.manager.count(QuizQuestion)).toBe(before);
    } else {
      // SQLite compares the two names as different, as the bank's own comparison does.
      expect(result).toMatchObject({ code: 0, err: '' });
      expect(await dataSource.manager.count(QuizQuestion)).toBe(before + 2);
    }
  });
});
