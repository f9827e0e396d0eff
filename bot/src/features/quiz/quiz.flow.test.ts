/**
 * The 闯关 flow when the attempt changes between reading it and recording an answer (another instance's
 * expiry job, another delivery, 取消 handled elsewhere): the answer is not judged, and the reply says
 * what did happen — expired, over, or answered a moment ago (staying at the question the attempt is at).
 * The flow is driven directly, with a real database; the race is the other writer's change committed
 * just before the flow's own write.
 */
import { describe, expect, it, beforeAll } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import type { FlowContext, FlowStep } from '../../conversation/flow';
import { inTransaction } from '../../db/transaction';
import { t, type MessageKey, type MessageParams } from '../../i18n';
import { useTestDatabase } from '../../../test/support';
import { createStaff, type Staff } from '../staff';
import { QuizAttempt } from './quiz-attempt.entity';
import { QuizLevel } from './quiz-level.entity';
import { QuizQuestion } from './quiz-question.entity';
import { createQuizFlow } from './quiz.flow';

const say = (key: MessageKey, params?: MessageParams) => t('zh-CN', key, params);

interface Draft {
  readonly attemptId: number;
  readonly index: number;
}

/**
 * `manager`, except that the first update of an attempt that records an answer is preceded by `race`
 * (run on the same transaction, as a change committed by someone else just before would be seen).
 */
function racing(manager: EntityManager, race: (manager: EntityManager) => Promise<void>): EntityManager {
  let raced = false;
  return new Proxy(manager, {
    get(target, property, receiver) {
      if (property !== 'update') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<EntityManager['update']>) => {
        const [entity, , values] = args;
        if (!raced && entity === QuizAttempt && 'answers' in (values as object)) {
          raced = true;
          await race(target);
        }
        return target.update(...args);
      };
    },
  });
}

describe('an answer the attempt can no longer take', () => {
  const db = useTestDatabase();
  const flow = createQuizFlow({ timeZone: 'Asia/Shanghai' });
  let staff: Staff;

  beforeAll(async () => {
    await inTransaction(db().dataSource, async (manager) => {
      staff = await createStaff({
        manager,
        staffNo: 'E8001',
        name: '王强',
        role: 'engineer',
        phone: '+8613800800100',
        wecomUserId: 'wangqiang',
      });
      const level = await manager.save(
        manager.create(QuizLevel, {
          sortOrder: 1,
          name: '判断关',
          questionsPerAttempt: 2,
          passPercent: 100,
          points: 10,
          createdAt: new Date(),
        }),
      );
      for (const stem of ['ONU 上线前要注册 LOID', '光功率越低越好'])
        await manager.save(
          manager.create(QuizQuestion, {
            levelId: level.id,
            type: 'truefalse',
            stem,
            options: [],
            answer: stem.startsWith('ONU') ? '对' : '错',
            explanation: null,
            tags: [],
            isActive: true,
            createdAt: new Date(),
          }),
        );
    });
  });

  const contextOf = (manager: EntityManager): FlowContext => ({
    manager,
    now: new Date(),
    wecomUserId: 'wangqiang',
    staff,
    locale: 'zh-CN',
    say,
  });
  const start = () =>
    inTransaction(db().dataSource, async (manager) => {
      // Whatever the previous case left in progress ends first, as a new 闯关 would end it.
      const step = await flow.start(contextOf(manager), '', []);
      if (step.kind !== 'continue') throw new Error('expected a question');
      return step.draft;
    });
  const answerWith = (draft: Draft, race: (manager: EntityManager) => Promise<void>) =>
    inTransaction(db().dataSource, (manager): Promise<FlowStep<Draft>> =>
      flow.handle(contextOf(racing(manager, race)), 'answer', draft, { kind: 'text', text: '对' }),
    );
  const attempt = (id: number) => db().dataSource.manager.findOneByOrFail(QuizAttempt, { id });
  const replyOf = (step: FlowStep<Draft>) =>
    step.replies.map((reply) => (reply.type === 'text' ? reply.content : '')).join('\n');

  it('says the attempt expired when the expiry job got there first', async () => {
    const draft = await start();
    const step = await answerWith(draft, (manager) =>
      manager
        .update(QuizAttempt, { id: draft.attemptId }, { status: 'expired', finishedAt: new Date() })
        .then(() => undefined),
    );
    expect(step.kind).toBe('done');
    expect(replyOf(step)).toBe(say('quiz.flow.expired'));
    expect(await attempt(draft.attemptId)).toMatchObject({ status: 'expired', answers: [], currentIndex: 0 });
  });

  it('says the attempt is over when it ended otherwise meanwhile', async () => {
    const draft = await start();
    const step = await answerWith(draft, (manager) =>
      manager
        .update(QuizAttempt, { id: draft.attemptId }, { status: 'abandoned', finishedAt: new Date() })
        .then(() => undefined),
    );
    expect(step.kind).toBe('done');
    expect(replyOf(step)).toBe(say('quiz.flow.over'));
    expect(await attempt(draft.attemptId)).toMatchObject({ status: 'abandoned', answers: [] });
  });

  it('says the question was answered a moment ago, staying at the question the attempt is at', async () => {
    const draft = await start();
    const step = await answerWith(draft, (manager) =>
      manager
        .update(
          QuizAttempt,
          { id: draft.attemptId },
          { currentIndex: 1, answers: [{ given: '错', isCorrect: false }], updatedAt: new Date() },
        )
        .then(() => undefined),
    );
    expect(step).toMatchObject({ kind: 'continue', draft: { attemptId: draft.attemptId, index: 1 } });
    expect(replyOf(step)).toBe(say('quiz.flow.answeredAlready'));
    expect(await attempt(draft.attemptId)).toMatchObject({
      status: 'in-progress',
      currentIndex: 1,
      score: 0,
      answers: [{ given: '错', isCorrect: false }],
    });
  });
});
