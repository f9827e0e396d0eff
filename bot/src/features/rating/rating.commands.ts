/**
 * Making rating tasks from archived tickets, and rating. Tasks are unique per ticket, rater and ratee, so
 * making them again (a re-run, a second instance) changes nothing; a rating is one guarded update.
 */
import { And, In, LessThan, MoreThan, MoreThanOrEqual, type EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../db/raw-sql';
import { AppError } from '../../errors';
import { staffByIds, type Staff } from '../staff';
import { Ticket, TicketMessage, type TicketMessageType } from '../ticket';
import { ImportedTicket } from './imported-ticket.entity';
import { RatingTask, type RatingSide } from './rating-task.entity';
import { isRatingOpen, ratingTagsFor } from './rating.queries';
import { MAX_RATING_COMMENT, MAX_RATING_TAGS } from './rating.settings';

/** What shows tier 2 acted on a ticket: they took it, answered, asked the engineer, or resolved it. */
const TIER2_ACTS: readonly TicketMessageType[] = ['claimed', 'reply', 'request', 'resolved'];
/** Tier 3 acted only if it answered or resolved: claiming alone is not serving the engineer. */
const TIER3_ACTS: readonly TicketMessageType[] = ['reply', 'resolved'];
const SUMMARY_LENGTH = 120;
const BATCH = 500;

/** One archived ticket as rating sees it, whether from Fieldline or imported. */
interface RatedTicket {
  readonly ref: string;
  readonly ticketId: number | null;
  readonly importedTicketId: number | null;
  readonly summary: string;
  readonly archivedAt: Date;
  /** Who acted, by the side they acted on. */
  readonly participants: ReadonlyArray<{ readonly staffId: number; readonly side: RatingSide }>;
}

export interface GenerateRatingTasksProps {
  readonly manager: EntityManager;
  /** Tickets archived in [from, to) are taken. */
  readonly from: Date;
  readonly to: Date;
  readonly expireAfterDays: number;
  readonly now: Date;
}

const shorten = (text: string) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > SUMMARY_LENGTH ? `${line.slice(0, SUMMARY_LENGTH)}…` : line;
};

/**
 * Every page of a window, by id: a ticket that yields no tasks (nobody on the desk acted) is read again
 * each run, so a page of those must never hide the tickets after it.
 */
async function allPages<T extends { id: number }>(
  fetch: (afterId: number) => Promise<T[]>,
  use: (page: T[]) => Promise<RatedTicket[]>,
): Promise<RatedTicket[]> {
  const found: RatedTicket[] = [];
  for (let afterId = 0; ;) {
    const page = await fetch(afterId);
    found.push(...(await use(page)));
    if (page.length < BATCH) return found;
    afterId = page[page.length - 1]?.id ?? afterId;
  }
}

/** The Fieldline tickets archived in the window that have no tasks yet, with who acted on them. */
function fieldlineTickets(manager: EntityManager, from: Date, to: Date): Promise<RatedTicket[]> {
  return allPages(
    (afterId) =>
      manager.find(Ticket, {
        where: {
          id: MoreThan(afterId),
          status: 'archived',
          archivedAt: And(MoreThanOrEqual(from), LessThan(to)),
        },
        order: { id: 'ASC' },
        take: BATCH,
      }),
    (tickets) => fieldlinePage(manager, tickets),
  );
}

async function fieldlinePage(manager: EntityManager, tickets: Ticket[]): Promise<RatedTicket[]> {
  if (tickets.length === 0) return [];
  const ids = tickets.map((ticket) => ticket.id);
  const done = new Set(
    (await manager.find(RatingTask, { where: { ticketId: In(ids) }, select: { ticketId: true } })).map(
      (task) => task.ticketId,
    ),
  );
  const acts = await manager.find(TicketMessage, {
    where: { ticketId: In(ids), type: In([...TIER2_ACTS, ...TIER3_ACTS]), authorTier: In([2, 3]) },
    order: { id: 'ASC' },
  });
  return tickets
    .filter((ticket) => !done.has(ticket.id))
    .map((ticket) => {
      const participants: Array<{ staffId: number; side: RatingSide }> = [
        { staffId: ticket.reporterId, side: 1 },
      ];
      for (const act of acts) {
        if (act.ticketId !== ticket.id || act.authorStaffId === null) continue;
        const side = act.authorTier as RatingSide;
        const counts = (side === 2 ? TIER2_ACTS : TIER3_ACTS).includes(act.type);
        if (counts && !participants.some((each) => each.staffId === act.authorStaffId))
          participants.push({ staffId: act.authorStaffId, side });
      }
      return {
        ref: ticket.refNo,
        ticketId: ticket.id,
        importedTicketId: null,
        summary: shorten(ticket.question),
        archivedAt: ticket.archivedAt ?? ticket.updatedAt,
        participants,
      };
    });
}

/** Imported tickets archived in the window that have no tasks yet. */
function importedTickets(manager: EntityManager, from: Date, to: Date): Promise<RatedTicket[]> {
  return allPages(
    (afterId) =>
      manager.find(ImportedTicket, {
        where: { id: MoreThan(afterId), archivedAt: And(MoreThanOrEqual(from), LessThan(to)) },
        order: { id: 'ASC' },
        take: BATCH,
      }),
    (tickets) => importedPage(tickets, manager),
  );
}

async function importedPage(tickets: ImportedTicket[], manager: EntityManager): Promise<RatedTicket[]> {
  if (tickets.length === 0) return [];
  const done = new Set(
    (
      await manager.find(RatingTask, {
        where: { importedTicketId: In(tickets.map((ticket) => ticket.id)) },
        select: { importedTicketId: true },
      })
    ).map((task) => task.importedTicketId),
  );
  return tickets
    .filter((ticket) => !done.has(ticket.id))
    .map((ticket) => ({
      ref: importedTicketRef(ticket.ticketNo),
      ticketId: null,
      importedTicketId: ticket.id,
      summary: shorten(ticket.summary),
      archivedAt: ticket.archivedAt,
      participants: [
        { staffId: ticket.engineerId, side: 1 as const },
        ...(ticket.tier2Id === null ? [] : [{ staffId: ticket.tier2Id, side: 2 as const }]),
        ...(ticket.tier3Id === null ? [] : [{ staffId: ticket.tier3Id, side: 3 as const }]),
      ],
    }));
}

/** The task reference of an imported ticket: prefixed so it never collides with a Fieldline refNo. */
function importedTicketRef(ticketNo: string): string {
  return `ext:${ticketNo}`;
}

/**
 * Makes the rating tasks for tickets archived in [from, to): every participant who acted rates every
 * other participant on another side (the desk does not rate the desk). Deactivated people rate nobody
 * but can still be rated. Each task is inserted on its own: a task another instance made first is a
 * unique violation, skipped, so concurrent runs make each task once. Returns how many this run made.
 */
export async function generateRatingTasks(props: GenerateRatingTasksProps): Promise<number> {
  const { manager, now } = props;
  const tickets = [
    ...(await fieldlineTickets(manager, props.from, props.to)),
    ...(await importedTickets(manager, props.from, props.to)),
  ];
  const people = await staffByIds(
    manager,
    tickets.flatMap((ticket) => ticket.participants.map((each) => each.staffId)),
  );
  const expiresAt = new Date(now.getTime() + props.expireAfterDays * 86_400_000);
  let made = 0;
  for (const ticket of tickets) {
    for (const rater of ticket.participants) {
      if (!people.get(rater.staffId)?.isActive) continue;
      for (const ratee of ticket.participants) {
        if (ratee.side === rater.side || ratee.staffId === rater.staffId) continue;
        try {
          await manager.insert(RatingTask, {
            ticketRef: ticket.ref,
            ticketId: ticket.ticketId,
            importedTicketId: ticket.importedTicketId,
            summary: ticket.summary,
            raterStaffId: rater.staffId,
            raterSide: rater.side,
            rateeStaffId: ratee.staffId,
            rateeSide: ratee.side,
            rateeDepartmentId: people.get(ratee.staffId)?.departmentId ?? null,
            status: 'pending',
            stars: null,
            tags: [],
            comment: null,
            ticketArchivedAt: ticket.archivedAt,
            createdAt: now,
            expiresAt,
            ratedAt: null,
            remindedAt: null,
            version: 1,
          });
          made += 1;
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
        }
      }
    }
  }
  return made;
}

export interface RateTaskProps {
  readonly manager: EntityManager;
  readonly taskId: number;
  readonly rater: Staff;
  readonly stars: number;
  readonly tags: readonly string[];
  readonly comment: string | null;
  /** The version the rater saw (the web form); omitted when the bot reads it in the same transaction. */
  readonly version?: number;
  readonly now: Date;
}

/**
 * Rates a task, or changes the rating within 24 hours of first giving it. Only the rater may; stars are
 * required (1–5, no default); tags must be among those offered for the ratee's side. `ratedAt` keeps the
 * first rating's time, so the edit window does not move when the rating is changed.
 */
export async function rateTask(props: RateTaskProps): Promise<RatingTask> {
  const { manager, now } = props;
  const task = await manager.findOneBy(RatingTask, { id: props.taskId });
  if (!task || task.raterStaffId !== props.rater.id)
    throw new AppError('NOT_FOUND', `rating task ${props.taskId}`);
  if (!isRatingOpen(task, now)) throw new AppError('ILLEGAL_TRANSITION', `rating task ${task.id} is closed`);
  if (props.version !== undefined && props.version !== task.version)
    throw new AppError('CONFLICT', `rating task ${task.id} changed`);
  if (!Number.isInteger(props.stars) || props.stars < 1 || props.stars > 5)
    throw new AppError('VALIDATION_FAILED', 'stars', { params: { detail: '1–5' } });
  const offered = await ratingTagsFor(manager, task.rateeSide);
  const tags = [...new Set(props.tags)];
  if (tags.length > MAX_RATING_TAGS || tags.some((tag) => !offered.includes(tag)))
    throw new AppError('VALIDATION_FAILED', 'tags', { params: { detail: tags.join('、') } });
  const comment = props.comment?.trim() ? props.comment.trim().slice(0, MAX_RATING_COMMENT) : null;
  const changes = {
    status: 'rated' as const,
    stars: props.stars,
    tags,
    comment,
    ratedAt: task.ratedAt ?? now,
    version: task.version + 1,
  };
  const result = await manager.update(RatingTask, { id: task.id, version: task.version }, changes);
  if (result.affected !== 1) throw new AppError('CONFLICT', `rating task ${task.id} changed`);
  return Object.assign(task, changes);
}
