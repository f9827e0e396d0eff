import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { TicketMessage } from './ticket-message.entity';
import { OPEN_STATUSES, SLA_ALERT, Ticket, type TicketKind } from './ticket.entity';

/**
 * The queues of the back office. Tier 2: new, mine, waiting for the engineer, escalated (to follow what
 * tier 3 does), overdue, closed. Tier 3 sees the same views limited to its department.
 */
export const TICKET_QUEUES = ['new', 'mine', 'waiting', 'escalated', 'overdue', 'closed'] as const;
export type TicketQueue = (typeof TICKET_QUEUES)[number];

export interface TicketQueueFilter {
  readonly queue: TicketQueue;
  readonly viewerId: number;
  /** Tier 3: only tickets of this department (null: none at all). */
  readonly departmentId?: number | null;
  /** Tier 3 works tier-3 tickets; tier 2 tier-2 ones (escalated ones are a view of tier 3). */
  readonly tier: 2 | 3;
  readonly kind?: TicketKind;
  readonly now: Date;
  readonly limit?: number;
}

function queueQuery(manager: EntityManager, filter: TicketQueueFilter): SelectQueryBuilder<Ticket> {
  const query = manager.createQueryBuilder(Ticket, 't');
  const open = { open: [...OPEN_STATUSES] };
  switch (filter.queue) {
    case 'new':
      query.where("t.status = 'new'").andWhere('t.tier = :tier', { tier: filter.tier });
      break;
    case 'mine':
      query
        .where('t.assignee_staff_id = :viewer', { viewer: filter.viewerId })
        .andWhere('t.status IN (:...open)', open);
      break;
    case 'waiting':
      query.where("t.status = 'waiting'").andWhere('t.tier = :tier', { tier: filter.tier });
      break;
    case 'escalated':
      query.where('t.tier = 3').andWhere('t.status IN (:...open)', open);
      break;
    case 'overdue':
      query
        .where("t.status IN ('new', 'claimed')")
        .andWhere(
          '((t.first_response_at IS NULL AND t.first_response_due_at < :now) OR t.resolution_due_at < :now)',
          { now: filter.now },
        );
      break;
    case 'closed':
      query.where("t.status IN ('resolved', 'archived')");
      break;
  }
  if (filter.departmentId !== undefined) {
    query.andWhere(filter.departmentId === null ? '1 = 0' : 't.department_id = :department', {
      department: filter.departmentId,
    });
  }
  if (filter.kind) query.andWhere('t.kind = :kind', { kind: filter.kind });
  return query;
}

/** A queue, most urgent first: support before questions, then the earliest due. */
export function listTickets(manager: EntityManager, filter: TicketQueueFilter): Promise<Ticket[]> {
  const query = queueQuery(manager, filter);
  if (filter.queue === 'closed') query.orderBy('t.updated_at', 'DESC');
  else query.orderBy('t.priority', 'DESC').addOrderBy('t.resolution_due_at', 'ASC');
  return query
    .addOrderBy('t.id', 'ASC')
    .limit(filter.limit ?? 200)
    .getMany();
}

export function countTickets(manager: EntityManager, filter: TicketQueueFilter): Promise<number> {
  return queueQuery(manager, filter).getCount();
}

export function findTicket(manager: EntityManager, id: number): Promise<Ticket | null> {
  return manager.findOneBy(Ticket, { id });
}

export function ticketThread(manager: EntityManager, ticketId: number): Promise<TicketMessage[]> {
  return manager.find(TicketMessage, { where: { ticketId }, order: { id: 'ASC' } });
}

/** The engineer's tickets still in progress, for `我的`. */
export function openTicketsOf(manager: EntityManager, reporterId: number): Promise<Ticket[]> {
  return manager
    .createQueryBuilder(Ticket, 't')
    .where('t.reporter_id = :reporterId', { reporterId })
    .andWhere("t.status IN ('new', 'claimed', 'waiting', 'resolved')")
    .orderBy('t.created_at', 'DESC')
    .limit(20)
    .getMany();
}

/**
 * Tickets still owed an SLA alert at `horizon`: not paused, not done, and a due time at or before it
 * whose breach has not been reported yet — so tickets already fully alerted never crowd out new ones.
 */
export function ticketsNearingDue(manager: EntityManager, horizon: Date): Promise<Ticket[]> {
  return manager
    .createQueryBuilder(Ticket, 't')
    .where("t.status IN ('new', 'claimed')")
    .andWhere(
      '((t.first_response_at IS NULL AND t.first_response_due_at <= :horizon AND (t.sla_alerts & :frBreach) = 0)' +
        ' OR (t.resolution_due_at <= :horizon AND (t.sla_alerts & :resBreach) = 0))',
      { horizon, frBreach: SLA_ALERT.firstResponseBreach, resBreach: SLA_ALERT.resolutionBreach },
    )
    .orderBy('t.resolution_due_at', 'ASC')
    .addOrderBy('t.id', 'ASC')
    .limit(500)
    .getMany();
}

/** Resolved tickets the engineer has not confirmed since before `before` (for the archive job). */
export function ticketsToArchive(manager: EntityManager, before: Date): Promise<Ticket[]> {
  return manager
    .createQueryBuilder(Ticket, 't')
    .where("t.status = 'resolved'")
    .andWhere('t.resolved_at < :before', { before })
    .orderBy('t.id')
    .limit(500)
    .getMany();
}

/** Every ticket created in [from, to), deflected ones included (for statistics and the export). */
export function ticketsCreatedBetween(manager: EntityManager, from: Date, to: Date): Promise<Ticket[]> {
  return manager
    .createQueryBuilder(Ticket, 't')
    .where('t.created_at >= :from AND t.created_at < :to', { from, to })
    .orderBy('t.created_at', 'ASC')
    .getMany();
}

/** Staff who answered each ticket (their `reply`/`resolved` messages), for per-person workload. */
export async function responders(
  manager: EntityManager,
  ticketIds: readonly number[],
): Promise<Map<number, number[]>> {
  const map = new Map<number, number[]>();
  if (ticketIds.length === 0) return map;
  const rows: TicketMessage[] = [];
  // In slices: SQLite allows 32,766 bound parameters per statement.
  for (let start = 0; start < ticketIds.length; start += 1000) {
    const ids = ticketIds.slice(start, start + 1000);
    rows.push(
      ...(await manager
        .createQueryBuilder(TicketMessage, 'm')
        .select(['m.ticketId', 'm.authorStaffId'])
        .where('m.ticket_id IN (:...ids)', { ids })
        .andWhere("m.type IN ('reply', 'resolved', 'request')")
        .andWhere('m.author_staff_id IS NOT NULL')
        .getMany()),
    );
  }
  for (const row of rows) {
    const list = map.get(row.ticketId) ?? [];
    if (row.authorStaffId !== null && !list.includes(row.authorStaffId)) list.push(row.authorStaffId);
    map.set(row.ticketId, list);
  }
  return map;
}

/**
 * The engineer's tickets still in play (open or resolved, not yet confirmed), most recently touched first:
 * one read for a reply typed outside any flow, which then picks the ticket it belongs to.
 */
export function ticketsInPlayOf(manager: EntityManager, reporterId: number): Promise<Ticket[]> {
  return manager
    .createQueryBuilder(Ticket, 't')
    .where('t.reporter_id = :reporterId', { reporterId })
    .andWhere('t.status IN (:...statuses)', { statuses: [...OPEN_STATUSES, 'resolved'] })
    .orderBy('t.updated_at', 'DESC')
    .addOrderBy('t.id', 'DESC')
    .getMany();
}
