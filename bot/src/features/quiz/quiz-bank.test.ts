/**
 * Editing the quiz bank against a real database (SQLite, or MariaDB with FIELDLINE_TEST_DB=mysql): the
 * version migration keeps existing rows; level and question commands list every problem, refuse a stale
 * version without changing anything, and write one audit entry per change; the import updates what it
 * knows and adds the rest, with a levels file placing levels exactly; the export goes back in unchanged.
 */
import { describe, expect, it } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { migrationStatus, revertLastMigration, runPendingMigrations } from '../../db/migrations';
import { inTransaction } from '../../db/transaction';
import { AppError } from '../../errors';
import { useTestDatabase } from '../../../test/support';
import { AuditEntry } from '../audit';
import { createStaff } from '../staff';
import { QuizLevel } from './quiz-level.entity';
import { QuizQuestion } from './quiz-question.entity';
import {
  createQuizLevel,
  createQuizQuestion,
  importQuizBank,
  moveQuizLevel,
  setQuizQuestionActive,
  updateQuizLevel,
  updateQuizQuestion,
  type QuizQuestionForm,
} from './quiz-bank.commands';
import { listQuizLevelSummaries, listQuizQuestions, listQuizTags } from './quiz-bank.queries';
import { exportQuizLevels, exportQuizQuestions } from './quiz.export';
import { QuizAttempt } from './quiz-attempt.entity';
import { attemptQuestions } from './quiz.queries';
import { checkQuizImport, importFailuresOf } from './quiz.import';
import { checkQuizLevelsImport } from './quiz-levels.import';

const ACTOR = { actor: 'A0001', ip: '127.0.0.1' };

/** The error a rejected promise carries, for asserting its code and details. */
async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the command to fail');
}
const problemKeys = (error: AppError) =>
  ((error.details as { problems: Array<{ field: string; key: string }> }).problems ?? []).map(
    (problem) => `${problem.field}:${problem.key}`,
  );

describe('the quiz bank', () => {
  const db = useTestDatabase();
  const tx = <T>(work: (manager: EntityManager) => Promise<T>) => inTransaction(db().dataSource, work);
  const manager = () => db().dataSource.manager;
  /** Creates a level of 5 questions, 80% to pass, 10 points, in its own transaction. */
  const addLevel = (name: string) =>
    tx((m) =>
      createQuizLevel({
        manager: m,
        ...ACTOR,
        now: new Date(),
        input: { name, questionsPerAttempt: '5', passPercent: '80', points: '10' },
      }),
    );
  const audits = (recordType: string, recordId: number) =>
    manager().find(AuditEntry, { where: { recordType, recordId: String(recordId) }, order: { id: 'ASC' } });
  const question = (levelId: number, overrides: Partial<QuizQuestionForm> = {}): QuizQuestionForm => ({
    levelId,
    type: 'single',
    stem: '光猫 LOS 灯红表示？',
    options: ['光路故障', '电源故障', '网线故障'],
    answer: 'a',
    explanation: 'LOS 即光信号丢失',
    tags: ['光猫'],
    isActive: true,
    ...overrides,
  });

  it('keeps existing levels, questions and attempts when the migration is reverted and run again', async () => {
    const { dataSource } = db();
    const reverted: string[] = [];
    while ((await migrationStatus(dataSource)).applied.at(-1) !== 'CreateQuizzesAndPoints1795338000000')
      reverted.push((await revertLastMigration(dataSource)) ?? '');
    expect(reverted).toContain('AddQuizBankVersions1795340000000');
    await dataSource.query(
      "INSERT INTO quiz_level (sort_order, name, questions_per_attempt, pass_percent, points, created_at) VALUES (1, '旧关', 3, 60, 5, '2026-01-01 00:00:00.000')",
    );
    await dataSource.query(
      "INSERT INTO quiz_question (level_id, type, stem, options, answer, explanation, tags, is_active, created_at) VALUES (1, 'truefalse', '旧题', '[]', '对', NULL, '[]', 1, '2026-01-01 00:00:00.000')",
    );
    const player = await createStaff({
      manager: manager(),
      staffNo: 'E0001',
      name: '老王',
      role: 'engineer',
    });
    await dataSource.query(
      `INSERT INTO quiz_attempt (staff_id, level_id, question_ids, option_orders, answers, current_index, score, status, started_at, updated_at) VALUES (${player.id}, 1, '[1]', '[[]]', '[]', 0, 0, 'in-progress', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')`,
    );
    await runPendingMigrations(dataSource);
    // An attempt from before keeps going without copies: it falls back to the bank's questions.
    const [older] = await manager().find(QuizAttempt);
    expect(older).toMatchObject({ questionIds: [1], questions: null });
    expect(await attemptQuestions(manager(), older!)).toMatchObject([{ id: 1, stem: '旧题', answer: '对' }]);
    const runner = dataSource.createQueryRunner();
    try {
      const ledger = await runner.getTable('points_entry');
      expect(ledger?.indices.find((index) => index.name === 'idx_points_entry_created')?.columnNames).toEqual(
        ['created_at'],
      );
    } finally {
      await runner.release();
    }
    expect(await manager().find(QuizQuestion)).toMatchObject([
      { stem: '旧题', version: 1, updatedAt: null, levelId: 1 },
    ]);
    expect(await manager().find(QuizLevel)).toMatchObject([
      { name: '旧关', version: 1, questionsPerAttempt: 3 },
    ]);
    await dataSource.query('DELETE FROM quiz_attempt');
    await dataSource.query('DELETE FROM quiz_question');
    await dataSource.query('DELETE FROM quiz_level');
  });

  it('adds, renames, reorders and edits levels, listing every problem and refusing stale versions', async () => {
    const bad = await failure(
      tx((m) =>
        createQuizLevel({
          manager: m,
          ...ACTOR,
          now: new Date(),
          input: { name: ' ', questionsPerAttempt: '0', passPercent: '101', points: '-1' },
        }),
      ),
    );
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(problemKeys(bad)).toEqual([
      'name:quiz.import.error.level',
      'questionsPerAttempt:quiz.level.error.questions',
      'passPercent:quiz.level.error.passPercent',
      'points:quiz.level.error.points',
    ]);
    expect(await manager().count(QuizLevel)).toBe(0);

    const basics = await addLevel('入门');
    const advanced = await addLevel('进阶');
    const expert = await addLevel('高手');
    expect([basics.sortOrder, advanced.sortOrder, expert.sortOrder]).toEqual([1, 2, 3]);
    expect(problemKeys(await failure(addLevel('进阶')))).toEqual(['name:quiz.level.error.nameTaken']);

    const renamed = await tx((m) =>
      updateQuizLevel({
        manager: m,
        ...ACTOR,
        now: new Date(),
        id: advanced.id,
        version: 1,
        input: { name: '进阶（光路）', questionsPerAttempt: '8', passPercent: '75', points: '20' },
      }),
    );
    expect(renamed).toMatchObject({ name: '进阶（光路）', questionsPerAttempt: 8, version: 2 });
    const stale = await failure(
      tx((m) =>
        updateQuizLevel({
          manager: m,
          ...ACTOR,
          now: new Date(),
          id: advanced.id,
          version: 1,
          input: { name: '别的名字', questionsPerAttempt: '3', passPercent: '50', points: '1' },
        }),
      ),
    );
    expect(stale.code).toBe('CONFLICT');
    expect(await manager().findOneByOrFail(QuizLevel, { id: advanced.id })).toMatchObject({
      name: '进阶（光路）',
      questionsPerAttempt: 8,
      passPercent: 75,
      points: 20,
      version: 2,
    });

    await tx((m) => moveQuizLevel({ manager: m, ...ACTOR, now: new Date(), id: expert.id, direction: 'up' }));
    await tx((m) => moveQuizLevel({ manager: m, ...ACTOR, now: new Date(), id: basics.id, direction: 'up' }));
    expect((await listQuizLevelSummaries(manager())).map(({ level }) => level.name)).toEqual([
      '入门',
      '高手',
      '进阶（光路）',
    ]);

    const trail = await audits('quiz_level', advanced.id);
    expect(trail.map((entry) => [entry.action, entry.actor, entry.ip])).toEqual([
      ['quiz.level.create', 'A0001', '127.0.0.1'],
      ['quiz.level.update', 'A0001', '127.0.0.1'],
    ]);
    expect(trail[1]?.before).toMatchObject({ name: '进阶', questionsPerAttempt: 5, version: 1 });
    expect(trail[1]?.after).toMatchObject({ name: '进阶（光路）', questionsPerAttempt: 8, version: 2 });
    expect(
      (await audits('quiz_level', expert.id)).map((entry) => [entry.action, entry.before, entry.after]),
    ).toEqual([
      ['quiz.level.create', null, expect.objectContaining({ position: 3 })],
      ['quiz.level.move', { position: 3 }, { position: 2 }],
    ]);
  });

  it('checks questions by the import rules, refuses a stale edit, and (de)activates them', async () => {
    const [basics] = (await listQuizLevelSummaries(manager())).map(({ level }) => level);
    const levelId = basics!.id;
    const bad = await failure(
      tx((m) =>
        createQuizQuestion({
          manager: m,
          ...ACTOR,
          now: new Date(),
          form: question(99_999, {
            type: 'multiple',
            stem: '',
            options: ['只有一个|选项', '只有一个|选项'],
            answer: 'AZ',
            explanation: 'x'.repeat(1001),
          }),
        }),
      ),
    );
    expect(problemKeys(bad)).toEqual([
      'level:quiz.bank.error.levelMissing',
      'stem:quiz.import.error.stem',
      'explanation:quiz.import.error.explanation',
      'options:quiz.import.error.optionChars',
      'options:quiz.import.error.optionDuplicate',
      'answer:quiz.import.error.answer',
    ]);

    const created = await tx((m) =>
      createQuizQuestion({ manager: m, ...ACTOR, now: new Date(), form: question(levelId) }),
    );
    expect(created).toMatchObject({
      answer: 'A',
      version: 1,
      isActive: true,
      explanation: 'LOS 即光信号丢失',
    });
    const twin = await failure(
      tx((m) => createQuizQuestion({ manager: m, ...ACTOR, now: new Date(), form: question(levelId) })),
    );
    expect(problemKeys(twin)).toEqual(['stem:quiz.bank.error.duplicateStem']);

    const edited = await tx((m) =>
      updateQuizQuestion({
        manager: m,
        ...ACTOR,
        now: new Date(),
        id: created.id,
        version: 1,
        form: question(levelId, { type: 'multiple', answer: 'c, a', tags: ['光猫', '故障;告警'] }),
      }),
    );
    expect(edited).toMatchObject({
      type: 'multiple',
      answer: 'AC',
      tags: ['光猫', '故障', '告警'],
      version: 2,
    });
    const stale = await failure(
      tx((m) =>
        updateQuizQuestion({
          manager: m,
          ...ACTOR,
          now: new Date(),
          id: created.id,
          version: 1,
          form: question(levelId, { stem: '别人的版本' }),
        }),
      ),
    );
    expect(stale.code).toBe('CONFLICT');
    expect(await manager().findOneByOrFail(QuizQuestion, { id: created.id })).toMatchObject({
      stem: '光猫 LOS 灯红表示？',
      answer: 'AC',
      version: 2,
    });

    await tx((m) =>
      setQuizQuestionActive({
        manager: m,
        ...ACTOR,
        now: new Date(),
        id: created.id,
        version: 2,
        isActive: false,
      }),
    );
    expect(
      (await listQuizLevelSummaries(manager())).find((summary) => summary.level.id === levelId),
    ).toMatchObject({
      active: 0,
      inactive: 1,
    });
    expect(await listQuizQuestions(manager(), { levelId, isActive: true })).toMatchObject({
      total: 0,
      active: 0,
      inactive: 1,
    });
    expect(
      (
        await failure(
          tx((m) =>
            setQuizQuestionActive({
              manager: m,
              ...ACTOR,
              now: new Date(),
              id: created.id,
              version: 2,
              isActive: true,
            }),
          ),
        )
      ).code,
    ).toBe('CONFLICT');
    await tx((m) =>
      setQuizQuestionActive({
        manager: m,
        ...ACTOR,
        now: new Date(),
        id: created.id,
        version: 3,
        isActive: true,
      }),
    );
    const trail = await audits('quiz_question', created.id);
    expect(trail.map((entry) => entry.action)).toEqual([
      'quiz.question.create',
      'quiz.question.update',
      'quiz.question.deactivate',
      'quiz.question.reactivate',
    ]);
    expect(trail[1]?.before).toMatchObject({ type: 'single', answer: 'A', version: 1 });
    expect(trail[1]?.after).toMatchObject({ type: 'multiple', answer: 'AC', version: 2 });
    expect(trail[2]?.after).toMatchObject({ isActive: false, version: 3 });
  });

  it('imports a levels file and questions together: updates known questions, places levels exactly', async () => {
    const levels = checkQuizLevelsImport({
      text: [
        'level,order,questions,passPercent,points',
        '进阶（光路）,1,,,30',
        '新关,,4,90,',
        '高手,4,,,',
      ].join('\n'),
      format: 'csv',
    });
    expect(levels.errors).toEqual([]);
    const questions = checkQuizImport({
      text: [
        'level,type,stem,options,answer,explanation,tags,active',
        '入门,multiple,光猫 LOS 灯红表示？,光路故障|电源故障|网线故障,AC,LOS 即光信号丢失,光猫;故障;告警,',
        '入门,truefalse,ONU 上线前要注册 LOID,,对,,,0',
        '新关,single,机顶盒黑屏先查？,HDMI 线|遥控器,A,,,',
        '附加关,truefalse,尾纤可以随意弯折,,错,,,1',
      ].join('\n'),
      format: 'csv',
    });
    expect(questions.errors).toEqual([]);
    const before = await manager().findOneByOrFail(QuizQuestion, { stem: '光猫 LOS 灯红表示？' });
    const result = await tx((m) =>
      importQuizBank({
        manager: m,
        ...ACTOR,
        now: new Date(),
        levels: levels.rows,
        questions: questions.rows,
        source: 'bank.csv + levels.csv',
      }),
    );
    expect(result).toMatchObject({
      questions: 4,
      created: 3,
      updated: 0,
      unchanged: 1,
      newLevels: ['附加关'],
    });
    const order = (await listQuizLevelSummaries(manager())).map(({ level }) => [
      level.name,
      level.sortOrder,
      level.questionsPerAttempt,
      level.passPercent,
      level.points,
    ]);
    expect(order).toEqual([
      ['进阶（光路）', 1, 8, 75, 30],
      ['入门', 2, 5, 80, 10],
      ['新关', 3, 4, 90, 10],
      ['高手', 4, 5, 80, 10],
      ['附加关', 5, 5, 80, 10],
    ]);
    expect(await manager().findOneByOrFail(QuizQuestion, { id: before.id })).toMatchObject({
      version: before.version,
    });
    expect(await manager().findOneByOrFail(QuizQuestion, { stem: 'ONU 上线前要注册 LOID' })).toMatchObject({
      isActive: false,
    });
    const importAudits = await manager().find(AuditEntry, {
      where: { actor: 'A0001' },
      order: { id: 'ASC' },
    });
    expect(
      importAudits
        .filter(
          (entry) =>
            (entry.after as { importedFrom?: string } | null)?.importedFrom === 'bank.csv + levels.csv',
        )
        .map((entry) => entry.action)
        .sort(),
    ).toEqual([
      'quiz.level.create',
      'quiz.level.create',
      'quiz.level.update',
      'quiz.level.update',
      'quiz.question.create',
      'quiz.question.create',
      'quiz.question.create',
    ]);

    // The same question again with a new answer: updated, not added.
    const again = checkQuizImport({
      text: JSON.stringify([
        {
          level: '新关',
          type: 'single',
          stem: '机顶盒黑屏先查？',
          options: ['HDMI 线', '遥控器'],
          answer: 'B',
        },
      ]),
      format: 'json',
    });
    const second = await tx((m) =>
      importQuizBank({
        manager: m,
        ...ACTOR,
        now: new Date(),
        levels: [],
        questions: again.rows,
        source: 'fix.json',
      }),
    );
    expect(second).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    expect(await manager().findOneByOrFail(QuizQuestion, { stem: '机顶盒黑屏先查？' })).toMatchObject({
      answer: 'B',
      version: 2,
    });
    expect(await listQuizTags(manager())).toEqual(expect.arrayContaining(['光猫', '故障', '告警']));
  });

  it('lists every error of a levels file with its row', () => {
    const { rows, errors } = checkQuizLevelsImport({
      text: [
        'level,order,questions,passPercent,points',
        ',,5,80,10',
        '甲,0,51,0,1001',
        '乙,2,5,80.5,10',
        '丙,2,,,',
        '丙,3,,,',
        '丁,2,,,',
        '戊,x',
        '己,1,10,60,5',
      ].join('\n'),
      format: 'csv',
    });
    expect(rows).toEqual([
      { row: 9, name: '己', order: 1, questionsPerAttempt: 10, passPercent: 60, points: 5 },
    ]);
    expect(errors.map((error) => [error.row, error.key, error.params])).toEqual([
      [2, 'quiz.import.error.level', {}],
      [3, 'quiz.level.error.order', { min: 1, max: 1000 }],
      [3, 'quiz.level.error.questions', { min: 1, max: 50 }],
      [3, 'quiz.level.error.passPercent', { min: 1, max: 100 }],
      [3, 'quiz.level.error.points', { min: 0, max: 1000 }],
      [4, 'quiz.level.error.passPercent', { min: 1, max: 100 }],
      [5, 'quiz.level.error.orderDuplicate', { order: 2, row: 4 }],
      [6, 'quiz.level.error.duplicate', { row: 5 }],
      [7, 'quiz.level.error.orderDuplicate', { order: 2, row: 4 }],
      [8, 'quiz.import.error.columns', { expected: 5, found: 2 }],
    ]);
    expect(checkQuizLevelsImport({ text: 'name,order\n甲,1', format: 'csv' }).errors).toEqual([
      {
        row: 1,
        key: 'quiz.import.error.header',
        params: { header: 'level,order,questions,passPercent,points' },
      },
    ]);
  });

  it('exports the bank as CSV and JSON that import back unchanged, formula-looking cells included', async () => {
    const [first] = (await listQuizLevelSummaries(manager())).map(({ level }) => level);
    await tx((m) =>
      createQuizQuestion({
        manager: m,
        ...ACTOR,
        now: new Date(),
        form: question(first!.id, {
          stem: '=HYPERLINK("http://x") 接收光功率 "-28 dBm"，\n是否正常？',
          options: ['-28 dBm 正常', '+3 dB 余量, 足够', '@无法判断'],
          answer: 'C',
          explanation: '低于 -27 dBm 即过低',
          tags: ['光功率'],
        }),
      }),
    );
    const { text: csv } = await exportQuizQuestions(manager(), 'csv');
    expect(csv.startsWith('\ufefflevel,type,stem,options,answer,explanation,tags,active\r\n')).toBe(true);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"") 接收光功率 ""-28 dBm""，\n是否正常？"`);
    expect(csv).toContain(`"'-28 dBm 正常|+3 dB 余量, 足够|@无法判断"`);
    const bank = await manager().find(QuizQuestion, { order: { id: 'ASC' } });
    for (const format of ['csv', 'json'] as const) {
      const { text, count } = await exportQuizQuestions(manager(), format);
      const { rows, errors } = checkQuizImport({ text, format });
      expect(errors).toEqual([]);
      expect(rows).toHaveLength(bank.length);
      expect(count).toBe(rows.length); // what quiz:export reports is what it wrote
      const tricky = rows.find((row) => row.stem.startsWith('=HYPERLINK'));
      expect(tricky).toMatchObject({
        stem: '=HYPERLINK("http://x") 接收光功率 "-28 dBm"，\n是否正常？',
        options: ['-28 dBm 正常', '+3 dB 余量, 足够', '@无法判断'],
        isActive: true,
      });
      const result = await tx((m) =>
        importQuizBank({
          manager: m,
          ...ACTOR,
          now: new Date(),
          levels: [],
          questions: rows,
          source: `export.${format}`,
        }),
      );
      expect(result).toMatchObject({ created: 0, updated: 0, unchanged: bank.length, newLevels: [] });

      const levelsExport = await exportQuizLevels(manager(), format);
      const levels = checkQuizLevelsImport({ text: levelsExport.text, format });
      expect(levels.errors).toEqual([]);
      expect(levelsExport.count).toBe(levels.rows.length);
      const applied = await tx((m) =>
        importQuizBank({
          manager: m,
          ...ACTOR,
          now: new Date(),
          levels: levels.rows,
          questions: [],
          source: 'levels',
        }),
      );
      expect(applied.levels).toEqual([]);
    }
    expect(await manager().find(QuizQuestion, { order: { id: 'ASC' } })).toEqual(bank);
  });
  it('compares level names in any letter case or width, alike on SQLite and MariaDB', async () => {
    const settings = { questionsPerAttempt: '5', passPercent: '80', points: '10' };
    const rename = (level: QuizLevel, name: string) =>
      tx((m) =>
        updateQuizLevel({
          manager: m,
          ...ACTOR,
          now: new Date(),
          id: level.id,
          version: level.version,
          input: { name, ...settings },
        }),
      );
    const one = await addLevel('level one');
    // Only the letter case changes: a rename of this level, not a clash with itself (MariaDB's index
    // would call the two names equal).
    expect(await rename(one, 'Level One')).toMatchObject({ name: 'Level One', version: 2 });
    // Another level by that name in other letters is refused, though SQLite's index would take it.
    for (const name of ['LEVEL ONE', 'ｌｅｖｅｌ\u3000ｏｎｅ', 'Lével one'])
      expect(problemKeys(await failure(addLevel(name)))).toEqual(['name:quiz.level.error.nameTaken']);
    const two = await addLevel('Level Two');
    expect(problemKeys(await failure(rename(two, 'level ONE')))).toEqual(['name:quiz.level.error.nameTaken']);

    // The imports match names the same way: rows naming the level in other letters go to it.
    const questions = checkQuizImport({
      text: [
        'level,type,stem,options,answer,explanation,tags',
        'LEVEL ONE,truefalse,大写的关卡名,,对,,',
        'ｌｅｖｅｌ ｏｎｅ,truefalse,全角的关卡名,,错,,',
        'level one,truefalse,全角的关卡名,,错,,',
      ].join('\n'),
      format: 'csv',
    });
    // …and a file naming one question twice, in two spellings of its level, says so.
    expect(questions.errors).toEqual([{ row: 4, key: 'quiz.import.error.duplicate', params: { row: 3 } }]);
    const levelsFile = checkQuizLevelsImport({
      text: 'level,order,questions,passPercent,points\nlevel one,,3,,\n',
      format: 'csv',
    });
    expect(levelsFile.errors).toEqual([]);
    const result = await tx((m) =>
      importQuizBank({
        manager: m,
        ...ACTOR,
        now: new Date(),
        levels: levelsFile.rows,
        questions: questions.rows,
        source: 'case.csv',
      }),
    );
    expect(result).toMatchObject({ created: 2, newLevels: [] });
    expect(await manager().countBy(QuizQuestion, { levelId: one.id })).toBe(2);
    expect(await manager().findOneByOrFail(QuizLevel, { id: one.id })).toMatchObject({
      name: 'Level One',
      questionsPerAttempt: 3,
    });
    const twice = checkQuizLevelsImport({
      text: 'level,order,questions,passPercent,points\nLevel Three,,,,\nＬＥＶＥＬ three,,,,\n',
      format: 'csv',
    });
    expect(twice.errors).toEqual([{ row: 3, key: 'quiz.level.error.duplicate', params: { row: 2 } }]);
  });

  it('reports a level name the database still refuses as an error on its row, importing nothing', async () => {
    // MariaDB's utf8mb4_unicode_ci also equates ß and ss, which the shared comparison does not: there
    // the unique index has the last word, and the import says which row it refused.
    await addLevel('Straße');
    const before = await manager().count(QuizQuestion);
    const questions = checkQuizImport({
      text: 'level,type,stem,options,answer,explanation,tags\n入门,truefalse,新题一道,,对,,\nStrasse,truefalse,街道题,,对,,\n',
      format: 'csv',
    });
    expect(questions.errors).toEqual([]);
    const apply = () =>
      tx((m) =>
        importQuizBank({
          manager: m,
          ...ACTOR,
          now: new Date(),
          levels: [],
          questions: questions.rows,
          source: 'strasse.csv',
        }),
      );
    if (db().database.config.kind === 'mysql') {
      const refused = await failure(apply());
      expect(importFailuresOf(refused)).toEqual([
        {
          part: 'questions',
          error: { row: 3, key: 'quiz.level.error.nameTaken', params: { name: 'Strasse' } },
        },
      ]);
      expect(await manager().count(QuizQuestion)).toBe(before);
    } else {
      expect(await apply()).toMatchObject({ created: 2, newLevels: ['Strasse'] });
    }
  });

  it('decodes uploaded bytes strictly as UTF-8, refusing a file saved as GBK', () => {
    const text = 'level,type,stem,options,answer,explanation,tags\n入门,truefalse,字节导入,,对,,\n';
    const utf8 = checkQuizImport({ bytes: Buffer.from(`\ufeff${text}`, 'utf8'), format: 'csv' });
    expect(utf8.errors).toEqual([]);
    expect(utf8.rows).toMatchObject([{ level: '入门', stem: '字节导入', answer: '对' }]);
    // 入门 in GBK: 0xC8EB 0xC3C5 — not UTF-8.
    const gbk = Buffer.concat([
      Buffer.from('level,type,stem,options,answer,explanation,tags\n'),
      Buffer.from([0xc8, 0xeb, 0xc3, 0xc5]),
      Buffer.from(',truefalse,x,,对,,\n'),
    ]);
    const refused = { rows: [], errors: [{ row: 0, key: 'quiz.import.error.notUtf8', params: {} }] };
    expect(checkQuizImport({ bytes: gbk, format: 'csv' })).toEqual(refused);
    expect(checkQuizLevelsImport({ bytes: gbk, format: 'json' })).toEqual(refused);
  });

  it('keeps level positions distinct when levels are added at the same moment', async () => {
    const before = await manager().count(QuizLevel);
    await Promise.all(['并发一', '并发二', '并发三', '并发四'].map(addLevel));
    const positions = (await manager().find(QuizLevel)).map((level) => level.sortOrder).sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: before + 4 }, (_, index) => index + 1));
  });
});
