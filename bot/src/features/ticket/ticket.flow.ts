/**
 * `提问 <问题>` / `支撑 <问题>` (or the menu): the question → up to 3 handbook entries that may already
 * answer it (回复 1–3 查看, 0 继续提交; 解决了 ends it as deflected) → details (photos, location, order
 * number, more text, in any order) → 提交. Photos sent before the command are attached too.
 */
import type { EntityManager } from 'typeorm';
import type { Flow, FlowContext, FlowInput, FlowStep } from '../../conversation/flow';
import { textReply } from '../../conversation/reply';
import { MAX_TICKET_PHOTOS, submitTicket } from './ticket.commands';
import type { TicketKind } from './ticket.entity';

/** The handbook (tier 1) as the ticket flow needs it; services.ts wires the knowledge feature in. */
export interface Handbook {
  search(
    manager: EntityManager,
    query: string,
    limit: number,
  ): Promise<ReadonlyArray<{ readonly id: number; readonly title: string; readonly summary: string }>>;
  /** A link the engineer can open on their phone. */
  link(manager: EntityManager, entryId: number, now: Date): Promise<string>;
}

interface TicketDraft {
  readonly question?: string;
  readonly photos: readonly string[];
  readonly orderNo?: string;
  readonly latitude?: number;
  readonly longitude?: number;
  readonly locationText?: string;
  /** Handbook entries offered, and the one last opened. */
  readonly offered?: ReadonlyArray<{ readonly id: number; readonly title: string; readonly summary: string }>;
  readonly viewed?: number;
}

type Step = 'question' | 'handbook' | 'details';

const SUBMIT = new Set(['提交', '确认', 'submit']);
const SOLVED = new Set(['解决了', '已解决', '好了', 'solved']);
const ORDER_WORD = /^(?:工单号?|单号|order)\s*[:：]?\s*([A-Za-z0-9-]{4,32})$/i;
/** A bare order number: digits only (a LOID, an ONU serial or a word must not be taken for one). */
const BARE_ORDER_NO = /^\d{10,20}$/;
export const HANDBOOK_OFFERS = 3;

/** "1–3", or just "1" when one entry was offered. */
const choiceRange = (count: number) => (count <= 1 ? '1' : `1–${count}`);

export function createTicketFlow(
  kind: TicketKind,
  options: { readonly timeZone: string; readonly handbook: Handbook },
): Flow<TicketDraft> {
  const { handbook } = options;

  const continueWith = (step: Step, draft: TicketDraft, ...texts: string[]): FlowStep<TicketDraft> => ({
    kind: 'continue',
    step,
    draft,
    replies: [textReply(texts.join('\n'))],
  });

  const detailsPrompt = (context: FlowContext) => context.say('ticket.flow.details');

  /** After the question: offer handbook entries that may answer it, or go on to the details. */
  async function offerHandbook(context: FlowContext, draft: TicketDraft): Promise<FlowStep<TicketDraft>> {
    const matches = await handbook.search(context.manager, draft.question ?? '', HANDBOOK_OFFERS);
    if (matches.length === 0) return continueWith('details', draft, detailsPrompt(context));
    const offered = matches.map((match) => ({
      id: match.id,
      title: match.title,
      summary: match.summary.slice(0, 200),
    }));
    return continueWith(
      'handbook',
      { ...draft, offered },
      context.say('ticket.flow.handbookOffer', {
        options: offered.map((entry, index) => `${index + 1} ${entry.title}`).join('\n'),
        range: choiceRange(offered.length),
      }),
    );
  }

  async function showEntry(context: FlowContext, draft: TicketDraft, index: number) {
    const entry = draft.offered?.[index];
    if (!entry) return undefined;
    const link = await handbook.link(context.manager, entry.id, context.now);
    return continueWith(
      'handbook',
      { ...draft, viewed: entry.id },
      context.say('ticket.flow.handbookEntry', {
        title: entry.title,
        summary: entry.summary,
        link,
        range: choiceRange(draft.offered?.length ?? 1),
      }),
    );
  }

  async function submit(context: FlowContext, draft: TicketDraft, deflectedBy?: number) {
    if (!context.staff || !draft.question)
      return continueWith('question', { photos: draft.photos }, askQuestion(context));
    const ticket = await submitTicket({
      manager: context.manager,
      reporter: context.staff,
      kind,
      question: draft.question,
      orderNo: draft.orderNo ?? null,
      photos: draft.photos,
      location: {
        latitude: draft.latitude ?? null,
        longitude: draft.longitude ?? null,
        text: draft.locationText ?? null,
      },
      ...(deflectedBy === undefined ? {} : { deflectedByEntryId: deflectedBy }),
      timeZone: options.timeZone,
      now: context.now,
    });
    const key =
      deflectedBy === undefined ? (`ticket.flow.submitted.${kind}` as const) : 'ticket.flow.deflected';
    return { kind: 'done' as const, replies: [textReply(context.say(key, { refNo: ticket.refNo }))] };
  }

  const askQuestion = (context: FlowContext) => context.say(`ticket.flow.ask.${kind}`);

  /** Photos and locations are welcome at every step; they wait in the draft until 提交. */
  /** What to send next at `step` (appended to acknowledgements, so no reply leaves the user guessing). */
  function nextHint(context: FlowContext, step: Step, draft: TicketDraft): string {
    if (step === 'question') return askQuestion(context);
    if (step === 'handbook')
      return context.say('ticket.flow.handbookHint', { range: choiceRange(draft.offered?.length ?? 1) });
    return context.say('ticket.flow.submitHint');
  }

  function attach(context: FlowContext, step: Step, draft: TicketDraft, input: FlowInput) {
    if (input.kind === 'photo' && 'stored' in input.media) {
      if (draft.photos.length >= MAX_TICKET_PHOTOS)
        return continueWith(
          step,
          draft,
          context.say('ticket.flow.tooManyPhotos'),
          nextHint(context, step, draft),
        );
      const next = { ...draft, photos: [...draft.photos, input.media.stored.key] };
      const ack = context.say('ticket.flow.photoAdded', { count: next.photos.length });
      return continueWith(step, next, ack, nextHint(context, step, next));
    }
    if (input.kind === 'location') {
      const locationText = input.label || `${input.latitude}, ${input.longitude}`;
      const next = { ...draft, latitude: input.latitude, longitude: input.longitude, locationText };
      const ack = context.say('ticket.flow.locationAdded', { location: locationText });
      return continueWith(step, next, ack, nextHint(context, step, next));
    }
    return undefined;
  }

  return {
    name: kind,
    command: kind === 'question' ? 'ask' : 'support',
    description: kind === 'question' ? 'command.ask' : 'command.support',
    requiresBinding: true,
    acceptsPhotos: true,

    async start(context, argument, photos) {
      const draft: TicketDraft = { photos: photos.slice(0, MAX_TICKET_PHOTOS) };
      if (!argument) return continueWith('question', draft, askQuestion(context));
      return offerHandbook(context, { ...draft, question: argument.slice(0, 2000) });
    },

    async handle(context, rawStep, draft, input) {
      const step =
        (['question', 'handbook', 'details'] as const).find((known) => known === rawStep) ?? 'question';
      const attached = attach(context, step, draft, input);
      if (attached) return attached;
      const text = input.kind === 'text' ? input.text.trim() : '';

      switch (step) {
        case 'question':
          if (text === '') return continueWith('question', draft, askQuestion(context));
          return offerHandbook(context, { ...draft, question: text.slice(0, 2000) });

        case 'handbook': {
          if (text === '0') return continueWith('details', draft, detailsPrompt(context));
          if (/^[1-9]$/.test(text)) {
            const shown = await showEntry(context, draft, Number(text) - 1);
            if (shown) return shown;
          }
          if (SOLVED.has(text.toLowerCase()) && draft.viewed !== undefined)
            return submit(context, draft, draft.viewed);
          if (SUBMIT.has(text.toLowerCase())) return submit(context, draft);
          if (text === '' || /^\d+$/.test(text) || SOLVED.has(text.toLowerCase()))
            return continueWith('handbook', draft, nextHint(context, 'handbook', draft));
          // More words about the problem: the handbook did not have it; keep them and go on.
          const question = `${draft.question ?? ''}\n${text}`.trim().slice(0, 2000);
          return continueWith(
            'details',
            { ...draft, question },
            context.say('ticket.flow.textAdded'),
            detailsPrompt(context),
          );
        }

        case 'details': {
          if (SUBMIT.has(text.toLowerCase())) return submit(context, draft);
          // `0` is the handbook step's "go on" and easily sent twice: not part of the question.
          if (text === '' || text === '0') return continueWith('details', draft, detailsPrompt(context));
          const orderNo = ORDER_WORD.exec(text)?.[1] ?? (BARE_ORDER_NO.test(text) ? text : undefined);
          if (orderNo) {
            return continueWith(
              'details',
              { ...draft, orderNo },
              context.say('ticket.flow.orderNoted', { orderNo }),
            );
          }
          // Anything else adds to the question: engineers often send it in pieces.
          const question = `${draft.question ?? ''}\n${text}`.trim().slice(0, 2000);
          return continueWith('details', { ...draft, question }, context.say('ticket.flow.textAdded'));
        }
      }
    },
  };
}
