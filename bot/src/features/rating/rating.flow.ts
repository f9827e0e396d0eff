/**
 * `评价` (or the menu's 三级支撑评价): the rater's pending tasks, one at a time, with the ticket's summary.
 * Stars come as `1`–`5` or a click on the pushed card; then tags by number (or 跳过), then a comment (or
 * 跳过); the rating is saved and the next task follows. A card click works at any time, even with no
 * flow in progress: it opens that task at the tags step (and, within 24 hours, changes a given rating).
 */
import type { Flow, FlowContext, FlowInput, FlowStep } from '../../conversation/flow';
import { textReply } from '../../conversation/reply';
import { AppError } from '../../errors';
import { enqueue } from '../../notifications/enqueue';
import { findStaffById } from '../staff';
import type { RatingSide, RatingTask } from './rating-task.entity';
import { rateTask } from './rating.commands';
import { findRatingTask, isRatingOpen, listPendingRatings, ratingTagsFor } from './rating.queries';
import { MAX_RATING_COMMENT, MAX_RATING_TAGS } from './rating.settings';
import { RATING_CARD_PREFIX } from './rating.templates';
import { ownRatingSummary } from './rating.review';

interface RatingDraft {
  readonly taskId: number;
  readonly stars?: number;
  readonly tags?: readonly string[];
}

type Step = 'stars' | 'tags' | 'comment';

const SKIP = new Set(['跳过', '无', '不选', 'skip', 'none']);
const CARD_KEY = /^rate:(\d{1,12}):([1-5])$/;

const sideLabel = (context: FlowContext, side: RatingSide) => context.say(`rating.side.${side}`);

const continueWith = (step: Step, draft: RatingDraft, ...texts: string[]): FlowStep<RatingDraft> => ({
  kind: 'continue',
  step,
  draft,
  replies: [textReply(texts.join('\n'))],
});

async function rateeName(context: FlowContext, task: RatingTask): Promise<string> {
  return (await findStaffById(context.manager, task.rateeStaffId))?.name ?? '-';
}

/**
 * Shows one task: a text (the passive reply) and the star card, pushed through the outbox because a
 * passive reply cannot carry a template card.
 */
async function present(
  context: FlowContext,
  task: RatingTask,
  count: number,
  ...before: string[]
): Promise<FlowStep<RatingDraft>> {
  const name = await rateeName(context, task);
  await enqueue(context.manager, {
    channel: 'wecom',
    to: { wecomUser: context.wecomUserId },
    template: 'rating.card',
    data: {
      taskId: task.id,
      // WeCom wants a card id unique within the app: one per push.
      cardTaskId: `rt${task.id}_${context.now.getTime()}`,
      ticketRef: task.ticketRef,
      summary: task.summary,
      rateeName: name,
      rateeSide: task.rateeSide,
    },
    dedupeKey: `rating:card:${task.id}:${context.now.getTime()}`,
    now: context.now,
  });
  return continueWith(
    'stars',
    { taskId: task.id },
    ...before,
    context.say('rating.flow.task', {
      count,
      ref: task.ticketRef,
      summary: task.summary,
      name,
      side: sideLabel(context, task.rateeSide),
    }),
  );
}

/** The next pending task, or the end of the flow. */
async function next(context: FlowContext, ...before: string[]): Promise<FlowStep<RatingDraft>> {
  const pending = context.staff
    ? await listPendingRatings(context.manager, context.staff.id, context.now)
    : [];
  const first = pending[0];
  if (!first) {
    const last = before.length > 0 ? 'rating.flow.allDone' : 'rating.flow.none';
    return { kind: 'done', replies: [textReply([...before, context.say(last)].join('\n'))] };
  }
  return present(context, first, pending.length, ...before);
}

async function askTags(
  context: FlowContext,
  task: RatingTask,
  stars: number,
): Promise<FlowStep<RatingDraft>> {
  const offered = await ratingTagsFor(context.manager, task.rateeSide);
  const draft = { taskId: task.id, stars };
  if (offered.length === 0)
    return continueWith('comment', { ...draft, tags: [] }, context.say('rating.flow.comment'));
  return continueWith(
    'tags',
    draft,
    context.say('rating.flow.tags', {
      stars,
      options: offered.map((tag, index) => `${index + 1} ${tag}`).join('\n'),
    }),
  );
}

/** `1 3`, `1,3`, `13` → the tags numbered 1 and 3; undefined if any number is not offered. */
function pickTags(text: string, offered: readonly string[]): string[] | undefined {
  if (!/^[\d\s,，、]+$/.test(text)) return undefined;
  const digits = text.includes(' ') || /[,，、]/.test(text) ? text.split(/[\s,，、]+/) : [...text];
  const picked = digits.filter(Boolean).map((digit) => offered[Number(digit) - 1]);
  if (picked.length === 0 || picked.some((tag) => tag === undefined)) return undefined;
  const tags = [...new Set(picked as string[])];
  return tags.length > MAX_RATING_TAGS ? undefined : tags;
}

async function save(context: FlowContext, draft: RatingDraft, comment: string | null) {
  if (!context.staff || draft.stars === undefined) return next(context);
  try {
    const task = await rateTask({
      manager: context.manager,
      taskId: draft.taskId,
      rater: context.staff,
      stars: draft.stars,
      tags: draft.tags ?? [],
      comment,
      now: context.now,
    });
    const saved = context.say('rating.flow.saved', {
      name: await rateeName(context, task),
      stars: draft.stars,
    });
    return next(context, saved);
  } catch (error) {
    if (error instanceof AppError && (error.code === 'ILLEGAL_TRANSITION' || error.code === 'NOT_FOUND'))
      return next(context, context.say('rating.flow.closed'));
    throw error;
  }
}

/** A click on a star of a card: that task, with those stars, whatever the flow was doing. */
async function clickStars(context: FlowContext, key: string): Promise<FlowStep<RatingDraft>> {
  const match = CARD_KEY.exec(key);
  const task = match ? await findRatingTask(context.manager, Number(match[1])) : null;
  if (!match || !task || task.raterStaffId !== context.staff?.id)
    return { kind: 'done', replies: [textReply(context.say('rating.flow.unknownCard'))] };
  if (!isRatingOpen(task, context.now)) return next(context, context.say('rating.flow.closed'));
  return askTags(context, task, Number(match[2]));
}

/** The rating conversation, for every bound person with tasks (engineers, desk and departments alike). */
/**
 * With nothing to rate, `评价` shows the person what they have received — the same anonymous summary as
 * the back office's own page (settled months with at least 3 ratings only): for engineers, who have no
 * web access, this is where they see it.
 */
async function nothingPending(context: FlowContext, timeZone: string): Promise<FlowStep<RatingDraft>> {
  const step = await next(context);
  if (step.kind !== 'done' || !context.staff) return step;
  const own = await ownRatingSummary(context.manager, {
    staffId: context.staff.id,
    now: context.now,
    timeZone,
  });
  if (!own.aggregate || own.aggregate.average === null) return step;
  const summary = context.say('rating.flow.ownSummary', {
    count: own.aggregate.count,
    average: own.aggregate.average.toFixed(1),
  });
  return { kind: 'done', replies: [...step.replies, textReply(summary)] };
}

/** `评价` (or the menu's 三级支撑评价): pending tasks one at a time, stars by card button or 1–5. */
export function createRatingFlow(options: { readonly timeZone: string }): Flow<RatingDraft> {
  return { ...ratingFlowSteps, start: (context) => nothingPending(context, options.timeZone) };
}

const ratingFlowSteps: Flow<RatingDraft> = {
  name: 'rating',
  command: 'rate',
  description: 'command.rate',
  requiresBinding: true,
  cardKeyPrefix: RATING_CARD_PREFIX,

  start: (context) => next(context),

  async handle(context, rawStep, draft: RatingDraft | undefined, input: FlowInput) {
    if (input.kind === 'card') return clickStars(context, input.key);
    if (!draft) return next(context);
    const step = (['stars', 'tags', 'comment'] as const).find((known) => known === rawStep) ?? 'stars';
    const text = input.kind === 'text' ? input.text.trim() : '';
    const task = await findRatingTask(context.manager, draft.taskId);
    if (!task || !isRatingOpen(task, context.now)) return next(context, context.say('rating.flow.closed'));

    switch (step) {
      case 'stars':
        if (/^[1-5]$/.test(text)) return askTags(context, task, Number(text));
        return continueWith('stars', draft, context.say('rating.flow.starsHint'));

      case 'tags': {
        if (SKIP.has(text.toLowerCase()) || text === '0')
          return continueWith('comment', { ...draft, tags: [] }, context.say('rating.flow.comment'));
        const tags = pickTags(text, await ratingTagsFor(context.manager, task.rateeSide));
        if (!tags) return continueWith('tags', draft, context.say('rating.flow.tagsHint'));
        return continueWith('comment', { ...draft, tags }, context.say('rating.flow.comment'));
      }

      case 'comment':
        if (text === '') return continueWith('comment', draft, context.say('rating.flow.comment'));
        return save(context, draft, SKIP.has(text.toLowerCase()) ? null : text.slice(0, MAX_RATING_COMMENT));
    }
  },
};
