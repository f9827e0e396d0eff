import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { QuizLevel, QuizQuestion } from '../../bot/src/features/quiz';
import { createTestDatabase, openDataSource, type TestDatabase } from '../../bot/test/support';
import { runCli } from '.';

const HEADER = 'level,type,stem,options,answer,explanation,tags';

describe('quiz:import', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDataSource(database.config);
    env = {
      LOG_LEVEL: 'silent',
      DATA_DIR: database.dir,
      TZ: 'Asia/Shanghai',
      ...(database.config.kind === 'mysql' ? { DATABASE_URL: database.config.url } : {}),
    };
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line), env });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  async function file(name: string, content: string): Promise<string> {
    const target = path.join(database.dir, name);
    await writeFile(target, content, 'utf8');
    return target;
  }

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
      out: 'Imported 3 question(s); new level(s): 入门, 进阶.',
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
      out: 'Imported 2 question(s); new level(s): 高手.',
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
});
