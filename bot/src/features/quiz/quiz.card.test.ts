/**
 * 闯关 by template-card buttons through the real webhook (encrypted events, the fake WeCom API receiving the
 * pushed cards): a level answered entirely by clicks (button cards and the multi-select vote card), clicks
 * and typed answers mixed and judged alike, a stale, foreign, garbled or finished card refused without
 * changing anything (one left with 取消 is finished), and WeCom's redelivery of a click judged once; and
 * the card's field limits.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inTransaction } from '../../db/transaction';
import { t, type MessageKey, type MessageParams } from '../../i18n';
import { createTestDatabase, eventually, type TestDatabase } from '../../../test/support';
import {
  oppositeOf,
  openAttempt as openAttemptOf,
  questionAt as questionOf,
  shownLetters,
} from '../../../test/quiz-support';
import { startBot, startFakeWecom, type FakeWecom, type RunningBot } from '../../../test/wecom';
import type { WecomClient } from '../../../../scripts/sim/wecom-client';
import { createStaff, type Staff } from '../staff';
import { PointsEntry } from './points-entry.entity';
import { QuizAttempt } from './quiz-attempt.entity';
import { QuizLevel } from './quiz-level.entity';
import { QuizQuestion, type QuizQuestionType } from './quiz-question.entity';
import { quizQuestionCardTemplate } from './quiz.templates';

const say = (key: MessageKey, params?: MessageParams) => t('zh-CN', key, params);
const LETTERS = 'ABCDEF';

interface Card {
  readonly card_type: string;
  readonly task_id: string;
  readonly main_title: { readonly title: string; readonly desc?: string };
  readonly sub_title_text?: string;
  readonly horizontal_content_list?: ReadonlyArray<{ readonly keyname: string; readonly value: string }>;
  readonly button_list?: ReadonlyArray<{ readonly text: string; readonly key: string }>;
  readonly checkbox?: {
    readonly question_key: string;
    readonly mode: number;
    readonly option_list: ReadonlyArray<{ readonly id: string; readonly text: string }>;
  };
  readonly submit_button?: { readonly text: string; readonly key: string };
}

const BANK: ReadonlyArray<{
  type: QuizQuestionType;
  stem: string;
  options: string[];
  answer: string;
  explanation: string | null;
}> = [
  {
    type: 'single',
    stem: '光猫 LOS 灯红表示？',
    options: ['光路故障', '电源故障', '网线故障', '软件故障'],
    answer: 'A',
    explanation: 'LOS 即光信号丢失',
  },
  {
    type: 'multiple',
    stem: '哪些会造成光衰过大？',
    options: ['尾纤弯折', '接头脏污', '断电', '密码错误'],
    answer: 'AB',
    explanation: '弯折和脏污都会增加损耗',
  },
  { type: 'truefalse', stem: 'ONU 上线前要注册 LOID', options: [], answer: '对', explanation: null },
];

describe('闯关 by card buttons', () => {
  let database: TestDatabase;
  let wecom: FakeWecom;
  let bot: RunningBot;
  const people: Record<string, Staff> = {};
  const manager = () => bot.running.database.dataSource.manager;
  let responseCode = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    wecom = await startFakeWecom();
    bot = await startBot({ database, apiBase: wecom.url });
    await inTransaction(bot.running.database.dataSource, async (tx) => {
      const add = async (staffNo: string, name: string, wecomUserId: string) => {
        people[staffNo] = await createStaff({
          manager: tx,
          staffNo,
          name,
          role: 'engineer',
          phone: `+8613900${staffNo.slice(1)}`.padEnd(14, '0'),
          wecomUserId,
        });
      };
      await add('E6001', '王强', 'wangqiang');
      await add('E6002', '李四', 'lisi');
      await add('E6003', '赵六', 'zhaoliu');
      const level = await tx.save(
        tx.create(QuizLevel, {
          sortOrder: 1,
          name: '卡片关',
          questionsPerAttempt: 3,
          passPercent: 100,
          points: 20,
          createdAt: new Date(),
        }),
      );
      for (const question of BANK)
        await tx.save(
          tx.create(QuizQuestion, {
            ...question,
            levelId: level.id,
            tags: [],
            isActive: true,
            createdAt: new Date(),
          }),
        );
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
  const attemptById = (id: number) => manager().findOneByOrFail(QuizAttempt, { id });
  const questionAt = (attempt: QuizAttempt, index = attempt.currentIndex) =>
    questionOf(manager(), attempt, index);

  const cards = (user: string) =>
    wecom.state
      .messagesFor(user)
      .filter((message) => message.msgtype === 'template_card')
      .map((message) => message.payload as unknown as Card);
  const cardOf = (user: string, attemptId: number, index: number) =>
    eventually(() => cards(user).find((card) => card.task_id.startsWith(`qz${attemptId}_${index}_`)));

  /** The answer as shown in this attempt: letters in its option order, or 对/错. */
  async function shownAnswer(attempt: QuizAttempt, how: 'right' | 'wrong', index = attempt.currentIndex) {
    const question = await questionAt(attempt, index);
    if (question.type === 'truefalse') return how === 'right' ? question.answer : oppositeOf(question.answer);
    // D is never right in this bank.
    return shownLetters(attempt, how === 'right' ? question.answer : 'D', index).join('');
  }

  /** The event WeCom sends when `answer` (shown letters or 对/错) is clicked or ticked on `card`. */
  function clickXml(client: WecomClient, card: Card, answer: string): string {
    responseCode += 1;
    const common = [
      ['TaskId', card.task_id],
      ['CardType', card.card_type],
      ['ResponseCode', `rc-${responseCode}`],
    ] as const;
    if (card.card_type === 'vote_interaction') {
      const ticked = [...answer].map((letter) => ['OptionId', letter] as const);
      return client.eventXml('template_card_event', card.submit_button!.key, [
        ...common,
        [
          'SelectedItems',
          {
            children: [
              [
                'SelectedItem',
                {
                  children: [
                    ['QuestionKey', card.checkbox!.question_key],
                    ['OptionIds', { children: ticked }],
                  ],
                },
              ],
            ],
          },
        ],
      ]);
    }
    const button = card.button_list!.find((one) => one.text === answer);
    if (!button) throw new Error(`no button ${answer} on the card`);
    return client.eventXml('template_card_event', button.key, common);
  }
  async function click(user: string, card: Card, answer: string): Promise<string> {
    const client = bot.client(user);
    const result = await client.deliver(clickXml(client, card, answer));
    expect(result.status).toBe(200);
    return result.reply?.content ?? '';
  }

  /** The question exactly as the flow shows it in text. */
  async function questionText(attempt: QuizAttempt, index: number): Promise<string> {
    const question = await questionAt(attempt, index);
    const order = attempt.optionOrders[index]!;
    return [
      say('quiz.flow.question', {
        number: index + 1,
        total: attempt.questionIds.length,
        type: say(`quiz.type.${question.type}`),
        stem: question.stem,
      }),
      ...order.map((original, shown) => `${LETTERS[shown]}. ${question.options[original]}`),
      say(question.type === 'truefalse' ? 'quiz.flow.hintTrueFalse' : 'quiz.flow.hintLetters'),
    ].join('\n');
  }

  it('plays a whole level by clicking the cards, one card per question, and passes', async () => {
    expect(await send('wangqiang', '闯关')).toContain('第 1/3 题');
    const { id } = await openAttempt('E6001');
    let reply = '';
    for (let index = 0; index < 3; index += 1) {
      const attempt = await attemptById(id);
      const question = await questionAt(attempt);
      const card = await cardOf('wangqiang', id, index);
      const order = attempt.optionOrders[index]!;
      expect(card.main_title.title).toBe(
        say('quiz.card.title', { number: index + 1, total: 3, type: say(`quiz.type.${question.type}`) }),
      );
      if (question.type === 'multiple') {
        expect(card).toMatchObject({
          card_type: 'vote_interaction',
          checkbox: { question_key: `quiz:${id}:${index}`, mode: 1 },
          submit_button: { key: `quiz:${id}:${index}:pick` },
        });
        expect(card.checkbox!.option_list).toEqual(
          order.map((original, shown) => ({
            id: LETTERS[shown],
            text: `${LETTERS[shown]}. ${question.options[original]}`,
            is_checked: false,
          })),
        );
      } else if (question.type === 'single') {
        expect(card.card_type).toBe('button_interaction');
        expect(card.sub_title_text).toBe(question.stem);
        expect(card.button_list!.map((button) => [button.text, button.key])).toEqual(
          ['A', 'B', 'C', 'D'].map((letter) => [letter, `quiz:${id}:${index}:${letter}`]),
        );
        expect(card.horizontal_content_list).toEqual(
          order.map((original, shown) => ({ keyname: LETTERS[shown], value: question.options[original] })),
        );
      } else {
        expect(card.card_type).toBe('button_interaction');
        expect(card.button_list!.map((button) => [button.text, button.key])).toEqual([
          ['对', `quiz:${id}:${index}:Y`],
          ['错', `quiz:${id}:${index}:N`],
        ]);
      }
      reply = await click('wangqiang', card, await shownAnswer(attempt, 'right'));
      expect(reply).toContain(say('quiz.flow.right'));
      if (question.explanation) expect(reply).toContain(`解析：${question.explanation}`);
      if (index < 2) expect(reply).toContain(await questionText(await attemptById(id), index + 1));
    }
    expect(reply).toContain(say('quiz.flow.passed', { score: 3, total: 3, percent: 100, need: 100 }));
    expect(reply).toContain(say('quiz.flow.credited', { points: 20, total: 20 }));
    expect(reply).toContain(say('quiz.flow.allPassed', { count: 1 }));
    const done = await attemptById(id);
    expect(done).toMatchObject({ status: 'passed', score: 3, currentIndex: 3 });
    const questions = await Promise.all(
      done.questionIds.map((qid) => manager().findOneByOrFail(QuizQuestion, { id: qid })),
    );
    // Clicks are stored like typed answers: the original letters (or 对/错), whatever order was shown.
    expect(done.answers).toEqual(questions.map((question) => ({ given: question.answer, isCorrect: true })));
    expect(await manager().findBy(PointsEntry, { staffId: people.E6001!.id })).toMatchObject([
      { points: 20, sourceType: 'quiz-attempt', sourceId: id },
    ]);
    expect(cards('wangqiang').filter((card) => card.task_id.startsWith(`qz${id}_`))).toHaveLength(3);
  });

  it('judges clicks and typed answers alike when they are mixed', async () => {
    const opening = await send('lisi', '闯关');
    const { id } = await openAttempt('E6002');
    expect(opening).toContain(await questionText(await attemptById(id), 0));

    // 1st typed (wrong), 2nd clicked (right), 3rd typed (right).
    const first = await attemptById(id);
    const firstQuestion = await questionAt(first, 0);
    const typedWrong = await send('lisi', await shownAnswer(first, 'wrong'));
    expect(typedWrong).toBe(
      [
        say('quiz.flow.wrong', { answer: await shownAnswer(first, 'right') }),
        ...(firstQuestion.explanation
          ? [say('quiz.flow.explanation', { text: firstQuestion.explanation })]
          : []),
        '',
        await questionText(first, 1),
      ].join('\n'),
    );

    const second = await attemptById(id);
    const secondQuestion = await questionAt(second, 1);
    const clicked = await click('lisi', await cardOf('lisi', id, 1), await shownAnswer(second, 'right'));
    // Exactly what a typed right answer gives: verdict, explanation, the next question.
    expect(clicked).toBe(
      [
        say('quiz.flow.right'),
        ...(secondQuestion.explanation
          ? [say('quiz.flow.explanation', { text: secondQuestion.explanation })]
          : []),
        '',
        await questionText(second, 2),
      ].join('\n'),
    );

    const third = await attemptById(id);
    const end = await send('lisi', await shownAnswer(third, 'right'));
    expect(end).toContain(say('quiz.flow.failed', { score: 2, total: 3, percent: 67, need: 100 }));
    const done = await attemptById(id);
    expect(done).toMatchObject({ status: 'failed', score: 2 });
    expect(done.answers.map((answer) => answer.isCorrect)).toEqual([false, true, true]);
    expect(done.answers[1]!.given).toBe(secondQuestion.answer);
    expect(await manager().countBy(PointsEntry, { staffId: people.E6002!.id })).toBe(0);
  });

  it('judges a redelivered click once and refuses stale, foreign, garbled and finished cards politely', async () => {
    await send('zhaoliu', '闯关');
    const first = await openAttempt('E6003');
    const card0 = await cardOf('zhaoliu', first.id, 0);
    const client = bot.client('zhaoliu');
    const event = clickXml(client, card0, await shownAnswer(first, 'right'));
    const judged = await client.deliver(event);
    expect(judged.reply?.content).toContain(say('quiz.flow.right'));
    // WeCom delivers the same event again (no answer seen in 5 s): the first reply, nothing judged twice.
    const redelivered = await client.deliver(event);
    expect(redelivered.status).toBe(200);
    expect(redelivered.reply?.content).toBe(judged.reply?.content);
    expect(await attemptById(first.id)).toMatchObject({ currentIndex: 1, score: 1 });
    expect((await attemptById(first.id)).answers).toHaveLength(1);

    // The member taps the same button again: a new event for a question already answered.
    expect(await click('zhaoliu', card0, await shownAnswer(first, 'wrong', 0))).toBe(
      say('quiz.card.stale', { number: 1, current: 2, total: 3 }),
    );
    expect(await attemptById(first.id)).toMatchObject({ currentIndex: 1, score: 1 });

    // Someone else's attempt, named in a forged key: refused, theirs untouched.
    const others = await manager().findOneByOrFail(QuizAttempt, { staffId: people.E6002!.id });
    const forged = await client.deliver(
      client.eventXml('template_card_event', `quiz:${others.id}:0:A`, [
        ['TaskId', 'x'],
        ['ResponseCode', 'x'],
      ]),
    );
    expect(forged.reply?.content).toBe(say('quiz.card.unknown'));
    expect(await attemptById(others.id)).toMatchObject({ status: 'failed', score: 2 });

    // Their own attempt, but a question not yet asked, or a choice the current question has no button
    // for (only a forged or garbled key carries either): refused, neutrally, nothing judged.
    const atSecond = await questionAt(await attemptById(first.id), 1);
    const notCurrent = say('quiz.card.notCurrent', { current: 2, total: 3 });
    for (const key of [
      `quiz:${first.id}:2:A`,
      `quiz:${first.id}:1:${atSecond.type === 'truefalse' ? 'A' : 'Y'}`,
    ]) {
      const refused = await client.deliver(
        client.eventXml('template_card_event', key, [
          ['TaskId', 'x'],
          ['ResponseCode', key],
        ]),
      );
      expect(refused.reply?.content).toBe(notCurrent);
    }
    expect(await attemptById(first.id)).toMatchObject({ status: 'in-progress', currentIndex: 1, score: 1 });

    // The conversation is still at question 2: typing works as before.
    const second = await attemptById(first.id);
    const typed = await send('zhaoliu', await shownAnswer(second, 'right'));
    expect(typed).toContain(say('quiz.flow.right'));
    expect(typed).toContain(await questionText(second, 2));
    const card2 = await cardOf('zhaoliu', first.id, 2);

    // 取消 abandons the attempt there and then; its last card no longer counts.
    expect(await send('zhaoliu', '取消')).toBe([say('bot.cancelled'), say('quiz.flow.abandoned')].join('\n'));
    expect(await attemptById(first.id)).toMatchObject({ status: 'abandoned', currentIndex: 2 });
    await send('zhaoliu', '闯关');
    const next = await openAttempt('E6003');
    expect(await click('zhaoliu', card2, await shownAnswer(second, 'right', 2))).toBe(
      say('quiz.card.finished'),
    );
    expect(await attemptById(first.id)).toMatchObject({ status: 'abandoned', currentIndex: 2, score: 2 });
    expect(await attemptById(next.id)).toMatchObject({ status: 'in-progress', currentIndex: 0 });
    // …and the new attempt carries on where it was.
    expect(await send('zhaoliu', await shownAnswer(next, 'right'))).toContain(say('quiz.flow.right'));
    expect(await attemptById(next.id)).toMatchObject({ currentIndex: 1, score: 1 });

    // 取消 ends this one too: its current card no longer answers, as typed letters no longer would.
    const nextCard = await cardOf('zhaoliu', next.id, 1);
    await send('zhaoliu', '取消');
    expect(await click('zhaoliu', nextCard, await shownAnswer(next, 'right', 1))).toBe(
      say('quiz.card.finished'),
    );
    expect(await attemptById(next.id)).toMatchObject({ status: 'abandoned', currentIndex: 1, score: 1 });
  });

  it('keeps card fields within WeCom’s lengths; the whole question stays in the text', () => {
    const long = '光'.repeat(300);
    const render = (type: QuizQuestionType, options: string[]) =>
      quizQuestionCardTemplate.render(
        {
          attemptId: 7,
          index: 0,
          total: 5,
          cardTaskId: 'qz7_0_1',
          type,
          levelName: long,
          stem: long,
          options,
        },
        'zh-CN',
      );
    const single = render('single', [long, long, long, long, long, long]);
    const card = (single.wecom![0] as unknown as { template_card: Card }).template_card;
    expect([...card.main_title.desc!]).toHaveLength(44);
    expect([...card.sub_title_text!]).toHaveLength(160);
    expect(card.sub_title_text!.endsWith('…')).toBe(true);
    expect(card.horizontal_content_list!.every((item) => [...item.value].length === 30)).toBe(true);
    expect(card.button_list).toHaveLength(6);
    expect(single.text).toContain(long);
    const multiple = render('multiple', [long, long]);
    const vote = (multiple.wecom![0] as unknown as { template_card: Card }).template_card;
    expect(vote.checkbox!.option_list.map((option) => [...option.text].length)).toEqual([17, 17]);
    expect(vote.checkbox!.option_list.map((option) => option.id)).toEqual(['A', 'B']);
  });
});
