/**
 * `闯关` (menu 我爱闯关): the person's current level — the first they have not passed — with its rules, then
 * its questions one at a time, drawn at random with options shuffled. Answers are letters (several for
 * multiple choice, any order) or 对/错, typed or tapped on the question's card; each is judged at once with
 * the explanation, and the last one gives the score, pass or fail, and on a pass the level's points and the
 * next level. An attempt shows and judges the questions as they were when it started (its copies), so an
 * edit in the bank meanwhile cannot change the letters under the person's answer. 取消, or starting
 * another command, ends the attempt at once as abandoned (it counts as failed).
 */
import type { Flow, FlowContext, FlowInput, FlowStep } from '../../conversation/flow';
import { textReply } from '../../conversation/reply';
import { AppError } from '../../errors';
import { enqueue } from '../../notifications/enqueue';
import { readSetting } from '../settings';
import type { QuizAttempt, QuizAttemptQuestion } from './quiz-attempt.entity';
import { QuizLevel } from './quiz-level.entity';
import {
  abandonAttempt,
  answerQuestion,
  expireAttempt,
  settleOpenAttempts,
  startAttempt,
} from './quiz.commands';
import {
  activeQuestions,
  attemptQuestions,
  attemptsToday,
  currentQuizLevel,
  findQuizAttempt,
} from './quiz.queries';
import { QUIZ_LETTERS as LETTERS } from './quiz.schema';
import { quizLimitsSetting } from './quiz.settings';
import {
  parseQuizCardKey,
  QUIZ_CARD_PREFIX,
  quizQuestionCardTemplate,
  quizQuestionKey,
} from './quiz.templates';
import { pointsStanding } from './points.queries';

interface QuizDraft {
  readonly attemptId: number;
  readonly index: number;
}

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
  question: QuizAttemptQuestion,
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
function parseAnswer(
  text: string,
  question: QuizAttemptQuestion,
  order: readonly number[],
): string | undefined {
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
function shownAnswer(question: QuizAttemptQuestion, order: readonly number[]): string {
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

/**
 * Shows a question: its text (returned, for the reply) and its card, pushed through the outbox because a
 * passive reply cannot carry a card. One card per question of an attempt (the dedupe key), however often
 * the question is shown again.
 */
async function present(
  context: FlowContext,
  attempt: QuizAttempt,
  level: QuizLevel,
  question: QuizAttemptQuestion,
  index: number,
): Promise<string> {
  const order = attempt.optionOrders[index] ?? [];
  await enqueue(context.manager, {
    channel: 'wecom',
    to: { wecomUser: context.wecomUserId },
    template: quizQuestionCardTemplate.key,
    data: {
      attemptId: attempt.id,
      index,
      total: attempt.questionIds.length,
      // WeCom wants a card id unique within the app: one per push.
      cardTaskId: `qz${attempt.id}_${index}_${context.now.getTime()}`,
      type: question.type,
      levelName: level.name,
      stem: question.stem,
      options: order.map((original) => question.options[original] ?? ''),
    },
    dedupeKey: `quiz:card:${attempt.id}:${index}`,
    now: context.now,
  });
  return showQuestion(context, attempt, question, index);
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
  const first = attempt.questions?.[0];
  if (!first) return done(context.say('quiz.flow.noQuestions'));
  return ask(
    { attemptId: attempt.id, index: 0 },
    header,
    context.say('quiz.flow.attemptsLeft', { left: limits.attemptsPerDay - used - 1 }),
    '',
    await present(context, attempt, level, first, 0),
  );
}

/** An attempt that can take an answer now, with its level and questions (as drawn). */
interface LiveAttempt {
  readonly attempt: QuizAttempt;
  readonly level: QuizLevel;
  readonly questions: readonly QuizAttemptQuestion[];
}

/** The idle time after which an attempt expires (quiz.limits), in milliseconds. */
async function idleMs(context: FlowContext): Promise<number> {
  return (await readSetting(context.manager, quizLimitsSetting)).value.idleMinutes * 60_000;
}

/**
 * The person's attempt if it is still in progress, or why not: `unknown` (none, or someone else's),
 * `expired` (idle too long: marked so by the expiry job, or now, and counted as failed), `over` (ended
 * otherwise).
 */
async function liveAttempt(
  context: FlowContext,
  attemptId: number,
): Promise<LiveAttempt | 'unknown' | 'over' | 'expired'> {
  const { manager, now } = context;
  const attempt = await findQuizAttempt(manager, attemptId);
  if (!attempt || attempt.staffId !== context.staff?.id) return 'unknown';
  if (attempt.status === 'expired') return 'expired';
  if (attempt.status !== 'in-progress') return 'over';
  if (now.getTime() - attempt.updatedAt.getTime() >= (await idleMs(context))) {
    // Idle past the limit, and the expiry job has not run yet: it expires now, as the job would.
    return (await expireAttempt({ manager, attemptId: attempt.id, now })) ? 'expired' : 'over';
  }
  const level = await manager.findOne(QuizLevel, { where: { id: attempt.levelId } });
  const questions = await attemptQuestions(manager, attempt);
  if (!level || questions.length !== attempt.questionIds.length) return 'over';
  return { attempt, level, questions };
}

/**
 * Why an answer that passed every check was not recorded after all (the attempt changed between reading
 * and writing it): expired meanwhile (the expiry job ran), over, or the question answered by another
 * message a moment earlier — then the conversation stays at the question the attempt is at.
 */
async function notRecorded(context: FlowContext, attemptId: number): Promise<FlowStep<QuizDraft>> {
  const attempt = await findQuizAttempt(context.manager, attemptId);
  if (attempt?.status === 'expired') return done(context.say('quiz.flow.expired'));
  if (attempt?.status !== 'in-progress') return done(context.say('quiz.flow.over'));
  return ask({ attemptId, index: attempt.currentIndex }, context.say('quiz.flow.answeredAlready'));
}

/**
 * Judges `given` (original letters, or 对/错) for question `index` — the one step typed answers and card
 * clicks share, so both judge, explain, score and move on identically.
 */
async function judge(
  context: FlowContext,
  live: LiveAttempt,
  index: number,
  given: string,
): Promise<FlowStep<QuizDraft>> {
  const { manager, now } = context;
  const { attempt, level, questions } = live;
  const question = questions[index];
  if (!question) return done(context.say('quiz.flow.over'));
  const order = attempt.optionOrders[index] ?? [];
  let outcome;
  try {
    outcome = await answerQuestion({ manager, attempt, level, question, index, given, now });
  } catch (error) {
    if (error instanceof AppError && error.code === 'ILLEGAL_TRANSITION')
      return notRecorded(context, attempt.id);
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
      await present(context, outcome.attempt, level, next, index + 1),
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

/** A refusal that leaves a quiz in progress where it was (or, with none, just says why). */
const keepOrEnd = (draft: QuizDraft | undefined, text: string): FlowStep<QuizDraft> =>
  draft ? ask(draft, text) : done(text);

/** A typed answer to the question the conversation is at. */
async function answer(
  context: FlowContext,
  draft: QuizDraft,
  input: FlowInput,
): Promise<FlowStep<QuizDraft>> {
  const live = await liveAttempt(context, draft.attemptId);
  if (live === 'expired') return done(context.say('quiz.flow.expired'));
  if (typeof live === 'string') return done(context.say('quiz.flow.over'));
  const { attempt, level, questions } = live;
  const index = attempt.currentIndex;
  const question = questions[index];
  if (!question) return done(context.say('quiz.flow.over'));
  const current = { attemptId: attempt.id, index };
  // The draft runs behind the attempt only if an answer was recorded without its reply: show where it is.
  if (draft.index !== index) return ask(current, await present(context, attempt, level, question, index));
  const order = attempt.optionOrders[index] ?? [];
  const given = input.kind === 'text' ? parseAnswer(input.text, question, order) : undefined;
  if (given === undefined)
    return ask(
      current,
      context.say(question.type === 'truefalse' ? 'quiz.flow.badTrueFalse' : 'quiz.flow.badLetters'),
    );
  return judge(context, live, index, given);
}

/**
 * A click on a question card (cards stay in the chat, so any old card can be clicked at any time). Only
 * the current question of the attempt the conversation is at is judged. A click on another question, a
 * finished attempt (one left with 取消 or another command is abandoned, so finished too) or someone
 * else's card is refused politely and changes nothing, leaving a quiz in progress at its question.
 * WeCom's redelivery of the same click never gets here (the inbox replays the first reply); a second
 * real click on the same button finds it answered.
 */
async function click(
  context: FlowContext,
  draft: QuizDraft | undefined,
  input: Extract<FlowInput, { kind: 'card' }>,
): Promise<FlowStep<QuizDraft>> {
  const key = parseQuizCardKey(input.key);
  if (!key) return keepOrEnd(draft, context.say('quiz.card.unknown'));
  const live = await liveAttempt(context, key.attemptId);
  if (live === 'unknown') return keepOrEnd(draft, context.say('quiz.card.unknown'));
  // The conversation's own attempt (or, with none, the one clicked) ends with the news it expired; the
  // card of an older attempt is just refused, leaving the quiz in progress where it is.
  if (live === 'expired' && (!draft || draft.attemptId === key.attemptId))
    return done(context.say('quiz.flow.expired'));
  if (live === 'over' || live === 'expired') return keepOrEnd(draft, context.say('quiz.card.finished'));
  const { attempt, questions } = live;
  if (draft?.attemptId !== attempt.id) return done(context.say('quiz.card.interrupted'));
  const current = attempt.currentIndex;
  const question = questions[current];
  if (!question) return done(context.say('quiz.flow.over'));
  const here = { attemptId: attempt.id, index: current };
  const position = { number: key.index + 1, current: current + 1, total: attempt.questionIds.length };
  // A later question's card cannot have been sent yet: only a forged or garbled key names one.
  if (key.index !== current)
    return ask(here, context.say(key.index < current ? 'quiz.card.stale' : 'quiz.card.notCurrent', position));
  const letters =
    key.choice === 'pick'
      ? (input.selected ?? [])
          .filter((item) => item.questionKey === quizQuestionKey(attempt.id, current))
          .flatMap((item) => item.optionIds)
          .join('')
      : key.choice;
  if (letters === '') return ask(here, context.say('quiz.card.nothingSelected'));
  // The same reading as a typed reply: Y/N are among the words for 对/错, letters map through the order.
  const given = parseAnswer(letters, question, attempt.optionOrders[current] ?? []);
  if (given === undefined) return ask(here, context.say('quiz.card.notCurrent', position));
  return judge(context, live, current, given);
}

/** `闯关`: the current level, its questions one at a time (typed or tapped), judged at once; points on a pass. */
export function createQuizFlow(options: { readonly timeZone: string }): Flow<QuizDraft> {
  return {
    name: 'quiz',
    command: 'quiz',
    description: 'command.quiz',
    requiresBinding: true,
    cardKeyPrefix: QUIZ_CARD_PREFIX,
    start: (context) => begin(context, options.timeZone),
    /** 取消 or another command while a question waits: the attempt ends now, counted as failed. */
    async abandon(context, _step, draft: QuizDraft | undefined) {
      if (!draft || !context.staff) return undefined;
      const status = await abandonAttempt({
        manager: context.manager,
        attemptId: draft.attemptId,
        staffId: context.staff.id,
        idleMs: await idleMs(context),
        now: context.now,
      });
      if (status === 'abandoned') return context.say('quiz.flow.abandoned');
      if (status === 'expired') return context.say('quiz.flow.expired');
      return undefined;
    },
    async handle(context, _step, draft: QuizDraft | undefined, input) {
      if (input.kind === 'card') return click(context, draft, input);
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
