/**
 * What an engineer sends outside any flow while a ticket of theirs is in play: 已解决 confirms the answer
 * (archived at once), 未解决 reopens a resolved ticket, and anything else — text, photos, a location —
 * goes into the thread of their latest open ticket (answering the desk's question restarts its clock).
 */
import type { FlowInput } from '../../conversation/flow';
import type { InputHandler, OpenItemsProvider } from '../../conversation/open-items';
import { textReply } from '../../conversation/reply';
import { t } from '../../i18n';
import { addEngineerMessage, confirmResolved, reopenByEngineer } from './ticket.commands';
import type { Ticket, TicketStatus } from './ticket.entity';
import { openTicketsOf, ticketsInPlayOf } from './ticket.queries';

const shorten = (text: string, length: number) => (text.length > length ? `${text.slice(0, length)}…` : text);

const CONFIRM = new Set(['已解决', '解决了', 'solved']);
/** 未解决 / 没解决 …, optionally followed by why: `未解决，还是红灯`. */
const REOPEN = /^(?:未解决|没解决|没有解决|not solved|unsolved)[，,。.！!\s:：]*([\s\S]*)$/i;
/** Free input joins an open ticket only while the conversation about it is recent … */
const FOLLOW_UP_WINDOW_MS = 24 * 3_600_000;

/** The most recent of `tickets` (already newest first) in one of `statuses`. */
const latestIn = (tickets: readonly Ticket[], statuses: readonly TicketStatus[]): Ticket | undefined =>
  tickets.find((ticket) => statuses.includes(ticket.status));

function asThreadInput(input: FlowInput): { text: string | null; photos: string[] } | undefined {
  switch (input.kind) {
    case 'text':
      return { text: input.text, photos: [] };
    case 'photo':
      return 'stored' in input.media ? { text: null, photos: [input.media.stored.key] } : undefined;
    case 'location':
      return { text: `📍 ${input.label || `${input.latitude}, ${input.longitude}`}`, photos: [] };
    default:
      return undefined;
  }
}

export function createTicketInputHandler(options: { readonly timeZone: string }): InputHandler {
  return async (context, input) => {
    const engineer = context.staff;
    if (!engineer) return undefined;
    const { manager, now } = context;
    const text = input.kind === 'text' ? input.text.trim() : '';
    const isRecent = (at: Date) => now.getTime() - at.getTime() <= FOLLOW_UP_WINDOW_MS;
    // One read per message (this runs on everything an engineer sends outside a flow); picked in memory.
    const inPlay = await ticketsInPlayOf(manager, engineer.id);

    if (CONFIRM.has(text.toLowerCase())) {
      // A resolved ticket first: that is what the engineer is asked to confirm.
      const ticket = latestIn(inPlay, ['resolved']) ?? latestIn(inPlay, ['claimed', 'waiting', 'new']);
      if (!ticket) return undefined;
      if (ticket.status !== 'resolved' && ticket.firstResponseAt === null)
        return [textReply(context.say('ticket.followUp.notAnswered', { refNo: ticket.refNo }))];
      const done = await confirmResolved({ manager, ticket, engineer, now });
      return [textReply(context.say('ticket.followUp.confirmed', { refNo: done.refNo }))];
    }
    const reopen = REOPEN.exec(text);
    if (reopen) {
      const resolved = latestIn(inPlay, ['resolved']);
      if (resolved) {
        const reopened = await reopenByEngineer({
          manager,
          ticket: resolved,
          engineer,
          reason: reopen[1] || text,
          timeZone: options.timeZone,
          now,
        });
        return [textReply(context.say('ticket.followUp.reopened', { refNo: reopened.refNo }))];
      }
    }

    const thread = asThreadInput(input);
    if (!thread) return undefined;
    // … except a ticket the desk asked about: the answer is awaited however long it takes.
    const open = latestIn(inPlay, ['waiting']) ?? latestIn(inPlay, ['claimed', 'new', 'resolved']);
    if (!open || (open.status !== 'waiting' && !isRecent(open.updatedAt))) return undefined;
    // A photo is the desk's only when it asked for more: otherwise it may be meant for the next report.
    if (input.kind === 'photo' && open.status !== 'waiting') return undefined;
    await addEngineerMessage({ manager, ticket: open, engineer, ...thread, timeZone: options.timeZone, now });
    const key =
      open.status === 'waiting'
        ? 'ticket.followUp.answered'
        : open.status === 'resolved'
          ? 'ticket.followUp.addedResolved'
          : 'ticket.followUp.added';
    return [textReply(context.say(key, { refNo: open.refNo }))];
  };
}

/** The engineer's questions and support requests in progress, as lines of `我的`. */
export const ticketOpenItems: OpenItemsProvider = async ({ manager, staff, locale }) =>
  (await openTicketsOf(manager, staff.id)).map((ticket) => ({
    title: t(locale, 'ticket.my.item', {
      kind: t(locale, `ticket.kind.${ticket.kind}`),
      refNo: ticket.refNo,
      question: shorten(ticket.question.replace(/\s+/g, ' '), 20),
    }),
    status: t(locale, `ticket.status.${ticket.status}`),
  }));
