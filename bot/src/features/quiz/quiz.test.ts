/**
 * 我爱闯关 through the real webhook: a level failed then passed (points credited once, next level
 * unlocked), multiple-choice judging in any order, a redelivered answer judged once, the daily limit with
 * 取消 (and leaving for another command) abandoning the attempt at once, idle expiry by the job and by a
 * late answer, a question edited in the bank during an attempt; and the points ledger's totals and ranks
 * (积分) over engineers and whoever else has points.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { In } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { t, type MessageKey, type MessageParams } from '../../i18n';
import { captureLogger, createTestDatabase, type TestDatabase } from '../../../test/support';
import {
  oppositeOf,
  openAttempt as openAttemptOf,
  questionAt,
  shownLetters,
} from '../../../test/quiz-support';
import { startBot, startFakeWecom, type FakeWecom, type RunningBot } from '../../../test/wecom';
import { putSetting } from '../settings';
import { createStaff, Department, type Staff } from '../staff';
import { PointsEntry } from './points-entry.entity';
import { creditPoints, creditReportPoints } from './points.commands';
import { pointsStanding } from './points.queries';
import { QuizAttempt } from './quiz-attempt.entity';
import { QuizLevel } from './quiz-level.entity';
import { QuizQuestion } from './quiz-question.entity';
import { updateQuizQuestion } from './quiz-bank.commands';
import { checkQuizImport, importQuizQuestions } from './quiz.import';
import { quizExpiryJob } from './quiz.job';
import { quizLimitsSetting } from './quiz.settings';

const say = (key: MessageKey, params?: MessageParams) => t('zh-CN', key, params);
const LETTERS = 'ABCDEF';

const BANK = [
  'level,type,stem,options,answer,explanation,tags',
  '入门,single,光猫 LOS 灯红表示？,光路故障|电源故障|网线故障|软件故障,A,LOS 即光信号丢失,光猫',
  '入门,multiple,哪些会造成光衰过大？,尾纤弯折|接头脏污|断电|密码错误,AB,弯折和脏污都会增加损耗,光路',
  '入门,truefalse,ONU 上线前要注册 LOID,,对,,',
  '进阶,truefalse,尾纤可以随意弯折,,错,弯曲半径不能过小,',
].join('\n');

describe('quizzes and points', () => {
  let database: TestDatabase;
  let wecom: FakeWecom;
  let bot: RunningBot;
  const people: Record<string, Staff> = {};
  const manager = () => bot.running.database.dataSource.manager;

  beforeAll(async () => {
    database = await createTestDatabase();
    wecom = await startFakeWecom();
    bot = await startBot({ database, apiBase: wecom.url });
    await inTransaction(bot.running.database.dataSource, async (tx) => {
      const install = await tx.save(
        tx.create(Department, { name: '装维一班', kind: 'tier3', createdAt: new Date() }),
      );
      const repair = await tx.save(
        tx.create(Department, { name: '装维二班', kind: 'tier3', createdAt: new Date() }),
      );
      const add = async (staffNo: string, name: string, wecomUserId: string, departmentId: number | null) => {
        people[staffNo] = await createStaff({
          manager: tx,
          staffNo,
          name,
          role: 'engineer',
          phone: `+8613700${staffNo.slice(1)}`.padEnd(14, '0'),
          wecomUserId,
          departmentId,
        });
      };
      await add('E5001', '王强', 'wangqiang', install.id);
      await add('E5002', '李四', 'lisi', install.id);
      await add('E5003', '赵六', 'zhaoliu', repair.id);
      await add('E5004', '钱七', 'qianqi', null);
      people.T5009 = await createStaff({
        manager: tx,
        staffNo: 'T5009',
        name: '孙工',
        role: 'tier2',
        phone: '+8613700500900',
        wecomUserId: 'sungong',
      });
      const { rows, errors } = checkQuizImport({ text: BANK, format: 'csv' });
      expect(errors).toEqual([]);
      await importQuizQuestions({ manager: tx, rows, now: new Date() });
      await tx.update(QuizLevel, { name: '入门' }, { questionsPerAttempt: 3, passPercent: 60, points: 15 });
    });
  });
  afterAll(async () => {
    await bot.stop();
    await wecom.close();
    await database.drop();
  });

  async function send(user: string, content: string): Promise<string> {
    const client = bot.client(user);
    const result = await client.deliver(client.textXml(content));
    expect(result.status).toBe(200);
    return result.reply?.content ?? '';
  }
  const openAttempt = (staffNo: string) => openAttemptOf(manager(), people[staffNo]!.id);

  /** The reply for the current question: right, wrong, or (multiple choice) only some of the letters. */
  async function reply(staffNo: string, how: 'right' | 'wrong' | 'partial' | 'reversed'): Promise<string> {
    const attempt = await openAttempt(staffNo);
    const question = await questionAt(manager(), attempt);
    if (question.type === 'truefalse') return how === 'wrong' ? oppositeOf(question.answer) : question.answer;
    const right = shownLetters(attempt, question.answer);
    const wrong = shownLetters(attempt, 'D');
    if (how === 'wrong') return wrong.join('');
    if (how === 'partial') return question.type === 'multiple' ? right[0]! : wrong.join('');
    if (how === 'reversed') return [...right].reverse().join(' ').toLowerCase();
    return right.join('');
  }
  async function typeOfCurrent(staffNo: string) {
    return (await questionAt(manager(), await openAttempt(staffNo))).type;
  }

  it('fails a level with too few right answers, judging multiple choice on the whole set', async () => {
    const opening = await send('wangqiang', '闯关');
    expect(opening).toContain('第 1/2 关「入门」');
    expect(opening).toContain('每次随机 3 题，答对 60% 过关，过关得 15 积分；每关每天可闯 3 次');
    expect(opening).toContain('第 1/3 题');
    const attempt = await openAttempt('E5001');
    expect([...attempt.questionIds].sort()).toHaveLength(3);
    expect(attempt.optionOrders.map((order) => [...order].sort())).toEqual(
      await Promise.all(
        attempt.questionIds.map(async (id) => {
          const question = await manager().findOneByOrFail(QuizQuestion, { id });
          return question.options.map((_, index) => index);
        }),
      ),
    );
    expect(await send('wangqiang', 'Z')).toBe(
      say((await typeOfCurrent('E5001')) === 'truefalse' ? 'quiz.flow.badTrueFalse' : 'quiz.flow.badLetters'),
    );
    let last = '';
    const judged: boolean[] = [];
    for (let i = 0; i < 3; i += 1) {
      const isMultiple = (await typeOfCurrent('E5001')) === 'multiple';
      // Exactly one right answer: the first question that is not multiple choice.
      const isRight = !isMultiple && !judged.includes(true);
      last = await send(
        'wangqiang',
        await reply('E5001', isMultiple ? 'partial' : isRight ? 'right' : 'wrong'),
      );
      if (isMultiple) expect(last).toContain('✘ 回答错误，正确答案：');
      judged.push(isRight);
    }
    expect(last).toContain(say('quiz.flow.failed', { score: 1, total: 3, percent: 33, need: 60 }));
    const done = await manager().findOneByOrFail(QuizAttempt, { id: attempt.id });
    expect(done).toMatchObject({ status: 'failed', score: 1, currentIndex: 3 });
    expect(done.answers.map((answer) => answer.isCorrect)).toEqual(judged);
    expect(await manager().countBy(PointsEntry, { staffId: people.E5001!.id })).toBe(0);
  });

  it('passes a level: letters in any order, a redelivered answer judged once, points credited once', async () => {
    expect(await send('wangqiang', '闯关')).toContain('今天本关还可再闯 1 次');
    const attempt = await openAttempt('E5001');
    const client = bot.client('wangqiang');
    const firstAnswer = client.textXml(await reply('E5001', 'reversed'));
    const first = await client.deliver(firstAnswer);
    expect(first.reply?.content).toContain('✔ 回答正确！');
    expect(first.reply?.content).toContain('第 2/3 题');
    const again = await client.deliver(firstAnswer); // WeCom's retry: same MsgId
    expect(again.status).toBe(200);
    expect((await openAttempt('E5001')).currentIndex).toBe(1);
    expect((await openAttempt('E5001')).answers).toHaveLength(1);
    await send('wangqiang', await reply('E5001', 'right'));
    const end = await send('wangqiang', await reply('E5001', 'right'));
    expect(end).toContain(say('quiz.flow.passed', { score: 3, total: 3, percent: 100, need: 60 }));
    expect(end).toContain(say('quiz.flow.credited', { points: 15, total: 15 }));
    expect(end).toContain(say('quiz.flow.unlocked', { name: '进阶' }));
    expect(await manager().findOneByOrFail(QuizAttempt, { id: attempt.id })).toMatchObject({
      status: 'passed',
      score: 3,
    });
    const ledger = await manager().findBy(PointsEntry, { staffId: people.E5001!.id });
    expect(ledger).toMatchObject([
      { points: 15, reasonKey: 'quiz.passed', sourceType: 'quiz-attempt', sourceId: attempt.id },
    ]);

    // The next level is now theirs; passing it ends the game.
    const next = await send('wangqiang', '闯关');
    expect(next).toContain('第 2/2 关「进阶」');
    const finish = await send('wangqiang', await reply('E5001', 'right'));
    expect(finish).toContain('解析：弯曲半径不能过小');
    expect(finish).toContain(say('quiz.flow.credited', { points: 10, total: 25 }));
    expect(finish).toContain(say('quiz.flow.allPassed', { count: 2 }));
    expect(await send('wangqiang', '闯关')).toBe(say('quiz.flow.allPassed', { count: 2 }));
  });

  it('limits attempts per level per day; 取消 or another command abandons the attempt at once', async () => {
    const attemptsOf = async () =>
      (await manager().find(QuizAttempt, { where: { staffId: people.E5002!.id }, order: { id: 'ASC' } })).map(
        (attempt) => attempt.status,
      );
    for (let i = 0; i < 2; i += 1) {
      expect(await send('lisi', '闯关')).toContain('第 1/3 题');
      expect(await send('lisi', '取消')).toBe([say('bot.cancelled'), say('quiz.flow.abandoned')].join('\n'));
      // Ended there and then, counted as failed: not left waiting for the next 闯关 or the expiry job.
      expect((await attemptsOf())[i]).toBe('abandoned');
    }
    // Leaving for another command by the menu abandons it too.
    expect(await send('lisi', '闯关')).toContain('第 1/3 题');
    const client = bot.client('lisi');
    expect((await client.deliver(client.eventXml('click', 'MY_ITEMS'))).status).toBe(200);
    expect(await attemptsOf()).toEqual(['abandoned', 'abandoned', 'abandoned']);
    // With nothing in progress, 取消 has nothing to abandon.
    expect(await send('lisi', '取消')).toBe(say('bot.nothingToCancel'));
    const limited = await send('lisi', '闯关');
    expect(limited).toContain(say('quiz.flow.limit', { limit: 3 }));
    expect(await attemptsOf()).toEqual(['abandoned', 'abandoned', 'abandoned']);

    await inTransaction(manager(), (tx) =>
      putSetting({
        manager: tx,
        definition: quizLimitsSetting,
        value: { attemptsPerDay: 4, idleMinutes: 10 },
        actor: 'test',
        now: new Date(),
      }),
    );
    expect(await send('lisi', '闯关')).toContain('今天本关还可再闯 0 次');
    const open = await openAttempt('E5002');
    const logger = captureLogger().logger;
    const later = new Date(open.updatedAt.getTime() + 9 * 60_000);
    expect(await quizExpiryJob.run({ now: later, manager: manager(), logger })).toBe('0 attempt(s) expired');
    const idle = new Date(open.updatedAt.getTime() + 11 * 60_000);
    expect(await quizExpiryJob.run({ now: idle, manager: manager(), logger })).toBe('1 attempt(s) expired');
    expect(await manager().findOneByOrFail(QuizAttempt, { id: open.id })).toMatchObject({
      status: 'expired',
    });
    expect(await send('lisi', 'A')).not.toContain('✔');
  });

  it('totals the ledger and ranks people in their department and overall (积分)', async () => {
    const now = new Date();
    await inTransaction(manager(), async (tx) => {
      // 王强 has 25 from the quiz. 李四 15+5, 赵六 30, 钱七 25 (no department).
      await creditPoints({
        manager: tx,
        staffId: people.E5002!.id,
        points: 15,
        reasonKey: 'x',
        sourceType: 'report',
        sourceId: 9001,
        now,
      });
      await creditPoints({
        manager: tx,
        staffId: people.E5002!.id,
        points: 5,
        reasonKey: 'x',
        sourceType: 'report',
        sourceId: 9002,
        now,
      });
      expect(
        await creditPoints({
          manager: tx,
          staffId: people.E5002!.id,
          points: 5,
          reasonKey: 'x',
          sourceType: 'report',
          sourceId: 9002,
          now,
        }),
      ).toBeNull();
      await creditReportPoints({
        manager: tx,
        report: { id: 9003, kind: 'lead', reporterId: people.E5003!.id, resolution: 'converted' },
        now,
      });
      await creditReportPoints({
        manager: tx,
        report: { id: 9004, kind: 'hazard', reporterId: people.E5003!.id, resolution: 'fixed' },
        now,
      });
      expect(
        await creditReportPoints({
          manager: tx,
          report: { id: 9005, kind: 'hazard', reporterId: people.E5003!.id, resolution: 'not-a-hazard' },
          now,
        }),
      ).toBeNull();
      await creditPoints({
        manager: tx,
        staffId: people.E5004!.id,
        points: 25,
        reasonKey: 'x',
        sourceType: 'report',
        sourceId: 9006,
        now,
      });
    });
    // The ranked: 王强 25, 李四 20, 赵六 30 (20 lead + 10 hazard), 钱七 25 — the tier-2 孙工 has no
    // points and is no engineer, so not among them.
    expect(await pointsStanding(manager(), people.E5001!.id)).toEqual({
      total: 25,
      overallRank: 2,
      overallCount: 4,
      departmentRank: 1,
      departmentCount: 2,
    });
    expect(await pointsStanding(manager(), people.E5002!.id)).toMatchObject({
      total: 20,
      overallRank: 4,
      departmentRank: 2,
    });
    expect(await pointsStanding(manager(), people.E5003!.id)).toMatchObject({
      total: 30,
      overallRank: 1,
      departmentRank: 1,
      departmentCount: 1,
    });
    expect(await send('qianqi', '积分')).toBe(
      [
        say('points.flow.total', { total: 25 }),
        say('points.flow.noDepartment'),
        say('points.flow.overallRank', { rank: 2, count: 4 }),
      ].join('\n'),
    );
    expect(await send('lisi', '积分')).toContain(say('points.flow.departmentRank', { rank: 2, count: 2 }));
    // 孙工 asking sees where 0 stands, counted in for the question.
    expect(await send('sungong', '积分')).toBe(
      [
        say('points.flow.total', { total: 0 }),
        say('points.flow.noDepartment'),
        say('points.flow.overallRank', { rank: 5, count: 5 }),
      ].join('\n'),
    );
  });

  it('expires an attempt idle past the limit when an answer arrives before the expiry job ran', async () => {
    await inTransaction(manager(), (tx) =>
      putSetting({
        manager: tx,
        definition: quizLimitsSetting,
        value: { attemptsPerDay: 4, idleMinutes: 5 },
        actor: 'test',
        now: new Date(),
      }),
    );
    expect(await send('qianqi', '闯关')).toContain('第 1/3 题');
    const open = await openAttempt('E5004');
    const answer = await reply('E5004', 'right');
    // Six idle minutes (the conversation itself waits ten): the attempt's last change moved back in time.
    await manager().update(
      QuizAttempt,
      { id: open.id },
      { updatedAt: new Date(open.updatedAt.getTime() - 6 * 60_000) },
    );
    expect(await send('qianqi', answer)).toBe(say('quiz.flow.expired'));
    expect(await manager().findOneByOrFail(QuizAttempt, { id: open.id })).toMatchObject({
      status: 'expired',
      currentIndex: 0,
      score: 0,
    });
    // The conversation ended with it: the same reply again is not an answer to anything.
    expect(await send('qianqi', answer)).not.toContain(say('quiz.flow.right'));
    expect(await manager().findOneByOrFail(QuizAttempt, { id: open.id })).toMatchObject({
      status: 'expired',
      answers: [],
    });
  });

  it('shows and judges an attempt by its questions as drawn, whatever the bank changes meanwhile', async () => {
    expect(await send('zhaoliu', '闯关')).toContain('第 1/3 题');
    const attempt = await openAttempt('E5003');
    const drawn = attempt.questions!;
    expect(drawn.map((question) => question.id)).toEqual(attempt.questionIds);
    // An editor rewrites every drawn question: new stem and explanation, options reversed (every letter
    // moves, the answer with it), true/false flipped.
    for (const question of await manager().findBy(QuizQuestion, { id: In(attempt.questionIds) }))
      await inTransaction(manager(), (tx) =>
        updateQuizQuestion({
          manager: tx,
          actor: 'A0001',
          now: new Date(),
          id: question.id,
          version: question.version,
          form: {
            levelId: question.levelId,
            type: question.type,
            stem: `${question.stem}（新版）`,
            options: [...question.options].reverse(),
            answer:
              question.type === 'truefalse'
                ? question.answer === '对'
                  ? '错'
                  : '对'
                : [...question.answer]
                    .map((letter) => LETTERS[question.options.length - 1 - LETTERS.indexOf(letter)]!)
                    .join(''),
            explanation: '新解析',
            tags: question.tags,
            isActive: true,
          },
        }),
      );
    // Right answers by the questions as drawn, in the letters shown: right, with the old explanation
    // and the old next question.
    let last = '';
    for (let index = 0; index < 3; index += 1) {
      const question = drawn[index]!;
      const order = attempt.optionOrders[index]!;
      const right =
        question.type === 'truefalse'
          ? question.answer
          : [...question.answer]
              .map((letter) => LETTERS[order.indexOf(LETTERS.indexOf(letter))]!)
              .sort()
              .join('');
      last = await send('zhaoliu', right);
      expect(last).toContain(say('quiz.flow.right'));
      expect(last).not.toContain('新');
      if (question.explanation)
        expect(last).toContain(say('quiz.flow.explanation', { text: question.explanation }));
      if (index < 2) expect(last).toContain(drawn[index + 1]!.stem);
    }
    expect(last).toContain(say('quiz.flow.passed', { score: 3, total: 3, percent: 100, need: 60 }));
    expect(await manager().findOneByOrFail(QuizAttempt, { id: attempt.id })).toMatchObject({
      status: 'passed',
      score: 3,
      answers: drawn.map((question) => ({ given: question.answer, isCorrect: true })),
    });
  });
});
