/**
 * `闯关` (menu 我爱闯关): the person's current level — the first they have not passed — with its rules, then
 * its questions one at a time, drawn at random with options shuffled. Answers are letters (several for
 * multiple choice, any order) or 对/错; each is judged at once with the explanation, and the last one
 * gives the score, pass or fail, and on a pass the level's points and the next level.
 */
import type { Flow, FlowContext, FlowInput, FlowStep } from '../../conversation/flow';
import { textReply } from '../../conversation/reply';
import { AppError } from '../../errors';
import { readSetting } from '../settings';
import { QuizAttempt } from './quiz-attempt.entity';
import type { QuizLevel } from './quiz-level.entity';
import type { QuizQuestion } from './quiz-question.entity';
import { answerQuestion, settleOpenAttempts, startAttempt } from './quiz.commands';
import { activeQuestions, attemptsToday, currentQuizLevel, questionsByIds } from './quiz.queries';
import { quizLimitsSetting } from './quiz.settings';
import { pointsStanding } from './points.queries';

interface QuizDraft {
  readonly attemptId: number;
  readonly index: number;
}

const LETTERS = 'ABCDEF';
const TRUE_WORDS = new Set(['对', '正确', '√', 'TRUE', 'T', 'Y']);
const FALSE_WORDS = new Set(['错', '错误', '×', 'X', 'FALSE', 'F', 'N']);

const done = (...texts: string[]): FlowStep<QuizDraft> => ({
  kind: 'done',
  replies: [textReply(texts.join('\n'))],
});
const ask = (draft: QuizDraft, ...texts: string[]): FlowStep<QuizDraft> => ({
  kind: 'continue',
  step: 'answer',
  draft,
  replies: [textReply(texts.join('\n'))],
});

/** The question as shown: number, type, stem, options in this attempt's order. */
function showQuestion(
  context: FlowContext,
  attempt: QuizAttempt,
  question: QuizQuestion,
  index: number,
): string {
  const order = attempt.optionOrders[index] ?? [];
  const lines = [
    context.say('quiz.flow.question', {
      number: index + 1,
      total: attempt.questionIds.length,
      type: context.say(`quiz.type.${question.type}`),
      stem: question.stem,
    }),
    ...order.map((original, shown) => `${LETTERS[shown]}. ${question.options[original] ?? ''}`),
    context.say(question.type === 'truefalse' ? 'quiz.flow.hintTrueFalse' : 'quiz.flow.hintLetters'),
  ];
  return lines.join('\n');
}

/** The reply text mapped to the question's original letters (or 对/错); undefined if it is not an answer. */
function parseAnswer(text: string, question: QuizQuestion, order: readonly number[]): string | undefined {
  const cleaned = text
    .trim()
    .toUpperCase()
    .replace(/[\s,，、.。]/g, '');
  if (question.type === 'truefalse') {
    if (TRUE_WORDS.has(cleaned)) return '对';
    if (FALSE_WORDS.has(cleaned)) return '错';
    return undefined;
  }
  if (!/^[A-F]+$/.test(cleaned)) return undefined;
  const shown = [...cleaned];
  if (new Set(shown).size !== shown.length) return undefined;
  if (question.type === 'single' && shown.length !== 1) return undefined;
  const original = shown.map((letter) => order[LETTERS.indexOf(letter)]);
  if (original.some((index) => index === undefined)) return undefined;
  return (original as number[])
    .map((index) => LETTERS[index])
    .sort()
    .join('');
}

/** The right answer in the letters this attempt showed. */
function shownAnswer(question: QuizQuestion, order: readonly number[]): string {
  if (question.type === 'truefalse') return question.answer;
  return [...question.answer]
    .map((letter) => LETTERS[order.indexOf(LETTERS.indexOf(letter))] ?? '?')
    .sort()
    .join('');
}

function rules(
  context: FlowContext,
  level: QuizLevel,
  position: number,
  count: number,
  limit: number,
): string {
  return context.say('quiz.flow.rules', {
    position,
    count,
    name: level.name,
    questions: level.questionsPerAttempt,
    percent: level.passPercent,
    points: level.points,
    limit,
  });
}

async function begin(context: FlowContext, timeZone: string): Promise<FlowStep<QuizDraft>> {
  const staff = context.staff;
  if (!staff) return done(context.say('quiz.flow.noLevels'));
  const limits = (await readSetting(context.manager, quizLimitsSetting)).value;
  await settleOpenAttempts({
    manager: context.manager,
    staffId: staff.id,
    idleMs: limits.idleMinutes * 60_000,
    now: context.now,
  });
  const { level, levels } = await currentQuizLevel(context.manager, staff.id);
  if (levels.length === 0) return done(context.say('quiz.flow.noLevels'));
  if (!level) return done(context.say('quiz.flow.allPassed', { count: levels.length }));
  const header = rules(context, level, levels.indexOf(level) + 1, levels.length, limits.attemptsPerDay);
  const used = await attemptsToday({
    manager: context.manager,
    staffId: staff.id,
    levelId: level.id,
    now: context.now,
    timeZone,
  });
  if (used >= limits.attemptsPerDay)
    return done(header, context.say('quiz.flow.limit', { limit: limits.attemptsPerDay }));
  const questions = await activeQuestions(context.manager, level.id);
  if (questions.length === 0) return done(header, context.say('quiz.flow.noQuestions'));
  const attempt = await startAttempt({
    manager: context.manager,
    staffId: staff.id,
    level,
    questions,
    now: context.now,
  });
  const first = questions.find((question) => question.id === attempt.questionIds[0]);
  if (!first) return done(context.say('quiz.flow.noQuestions'));
  return ask(
    { attemptId: attempt.id, index: 0 },
    header,
    context.say('quiz.flow.attemptsLeft', { left: limits.attemptsPerDay - used - 1 }),
    '',
    showQuestion(context, attempt, first, 0),
  );
}

async function answer(
  context: FlowContext,
  draft: QuizDraft,
  input: FlowInput,
): Promise<FlowStep<QuizDraft>> {
  const { manager, now } = context;
  const attempt = await manager.findOne(QuizAttempt, { where: { id: draft.attemptId } });
  if (!attempt || attempt.staffId !== context.staff?.id || attempt.status !== 'in-progress')
    return done(context.say('quiz.flow.over'));
  const limits = (await readSetting(manager, quizLimitsSetting)).value;
  if (now.getTime() - attempt.updatedAt.getTime() >= limits.idleMinutes * 60_000) {
    await manager.update(QuizAttempt, { id: attempt.id }, { status: 'expired', finishedAt: now });
    return done(context.say('quiz.flow.expired'));
  }
  const questions = await questionsByIds(manager, attempt.questionIds);
  const index = attempt.currentIndex;
  const question = questions[index];
  const order = attempt.optionOrders[index] ?? [];
  if (!question) return done(context.say('quiz.flow.over'));
  const current = { attemptId: attempt.id, index };
  // The draft runs behind the attempt only if an answer was recorded without its reply: show where it is.
  if (draft.index !== index) return ask(current, showQuestion(context, attempt, question, index));
  const given = input.kind === 'text' ? parseAnswer(input.text, question, order) : undefined;
  if (given === undefined)
    return ask(
      current,
      context.say(question.type === 'truefalse' ? 'quiz.flow.badTrueFalse' : 'quiz.flow.badLetters'),
    );
  const level = (await currentQuizLevel(manager, attempt.staffId)).levels.find(
    (one) => one.id === attempt.levelId,
  );
  if (!level) return done(context.say('quiz.flow.over'));
  let outcome;
  try {
    outcome = await answerQuestion({ manager, attempt, level, question, index, given, now });
  } catch (error) {
    if (error instanceof AppError && error.code === 'ILLEGAL_TRANSITION')
      return done(context.say('quiz.flow.over'));
    throw error;
  }
  const verdict = [
    outcome.isCorrect
      ? context.say('quiz.flow.right')
      : context.say('quiz.flow.wrong', { answer: shownAnswer(question, order) }),
    ...(question.explanation ? [context.say('quiz.flow.explanation', { text: question.explanation })] : []),
  ];
  const finished = outcome.finished;
  if (!finished) {
    const next = questions[index + 1];
    if (!next) return done(...verdict);
    return ask(
      { attemptId: attempt.id, index: index + 1 },
      ...verdict,
      '',
      showQuestion(context, outcome.attempt, next, index + 1),
    );
  }
  const total = attempt.questionIds.length;
  const summary = context.say(finished.passed ? 'quiz.flow.passed' : 'quiz.flow.failed', {
    score: outcome.attempt.score,
    total,
    percent: finished.percent,
    need: level.passPercent,
  });
  if (!finished.passed) return done(...verdict, '', summary);
  const after = await currentQuizLevel(manager, attempt.staffId);
  const standing = await pointsStanding(manager, attempt.staffId);
  return done(
    ...verdict,
    '',
    summary,
    ...(finished.credited
      ? [context.say('quiz.flow.credited', { points: finished.credited.points, total: standing.total })]
      : []),
    after.level
      ? context.say('quiz.flow.unlocked', { name: after.level.name })
      : context.say('quiz.flow.allPassed', { count: after.levels.length }),
  );
}

/** `闯关`: the current level, its questions one at a time, judged at once; points on a pass. */
export function createQuizFlow(options: { readonly timeZone: string }): Flow<QuizDraft> {
  return {
    name: 'quiz',
    command: 'quiz',
    description: 'command.quiz',
    requiresBinding: true,
    start: (context) => begin(context, options.timeZone),
    async handle(context, _step, draft: QuizDraft | undefined, input) {
      if (!draft) return begin(context, options.timeZone);
      return answer(context, draft, input);
    },
  };
}

/** `积分`: the person's total points and rank in their department and overall. */
export const pointsFlow: Flow<undefined> = {
  name: 'points',
  command: 'points',
  description: 'command.points',
  requiresBinding: true,
  async start(context) {
    if (!context.staff) return { kind: 'done', replies: [] };
    const standing = await pointsStanding(context.manager, context.staff.id);
    const lines = [
      context.say('points.flow.total', { total: standing.total }),
      standing.departmentRank === null
        ? context.say('points.flow.noDepartment')
        : context.say('points.flow.departmentRank', {
            rank: standing.departmentRank,
            count: standing.departmentCount,
          }),
      context.say('points.flow.overallRank', { rank: standing.overallRank, count: standing.overallCount }),
    ];
    return { kind: 'done', replies: [textReply(lines.join('\n'))] };
  },
  handle: () => Promise.resolve({ kind: 'done', replies: [] }),
};
