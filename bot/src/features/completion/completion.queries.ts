import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { localDay, zonedInstant } from '../../zoned-time';
import { CompletionEvent } from './completion-event.entity';
import { CompletionRequest, OPEN_COMPLETION_STATUSES } from './completion.entity';

/**
 * The completion desk's queues: waiting to be claimed, claimed by me, rejected and not yet resubmitted
 * (the engineer still has to fix something), and completed today.
 */
export const COMPLETION_QUEUES = ['pending', 'mine', 'rejected', 'done'] as const;
export type CompletionQueue = (typeof COMPLETION_QUEUES)[number];

export interface CompletionQueueFilter {
  readonly queue: CompletionQueue;
  readonly viewerId: number;
  readonly now: Date;
  /** The desk's time zone (TZ): "done today" starts at local midnight. Needed by the `done` queue. */
  readonly timeZone?: string;
  readonly limit?: number;
}

/** A rejected request stays in the desk's "rejected" view this long, unless resubmitted sooner. */
const REJECTED_VIEW_DAYS = 7;

function queueQuery(
  manager: EntityManager,
  filter: CompletionQueueFilter,
): SelectQueryBuilder<CompletionRequest> {
  const query = manager.createQueryBuilder(CompletionRequest, 'c');
  switch (filter.queue) {
    case 'pending':
      query.where("c.status = 'pending'");
      break;
    case 'mine':
      query
        .where("c.status = 'claimed'")
        .andWhere('c.assignee_staff_id = :viewer', { viewer: filter.viewerId });
      break;
    case 'rejected':
      query
        .where("c.status = 'rejected'")
        .andWhere('c.decided_at >= :since', {
          since: new Date(filter.now.getTime() - REJECTED_VIEW_DAYS * 86_400_000),
        })
        .andWhere('NOT EXISTS (SELECT 1 FROM completion_request r WHERE r.resubmission_of_id = c.id)');
      break;
    case 'done': {
      if (!filter.timeZone) throw new Error('the done queue needs the time zone');
      query.where("c.status = 'completed'").andWhere('c.decided_at >= :today', {
        today: zonedInstant(localDay(filter.now, filter.timeZone), 0, filter.timeZone),
      });
      break;
    }
  }
  return query;
}

/** A queue: what has waited longest first; decided ones most recent first. */
export function listCompletions(
  manager: EntityManager,
  filter: CompletionQueueFilter,
): Promise<CompletionRequest[]> {
  const query = queueQuery(manager, filter);
  if (filter.queue === 'pending' || filter.queue === 'mine') query.orderBy('c.created_at', 'ASC');
  else query.orderBy('c.decided_at', 'DESC');
  return query
    .addOrderBy('c.id', 'ASC')
    .limit(filter.limit ?? 200)
    .getMany();
}

export function countCompletions(manager: EntityManager, filter: CompletionQueueFilter): Promise<number> {
  return queueQuery(manager, filter).getCount();
}

export function findCompletion(manager: EntityManager, id: number): Promise<CompletionRequest | null> {
  return manager.findOneBy(CompletionRequest, { id });
}

export function completionTimeline(manager: EntityManager, requestId: number): Promise<CompletionEvent[]> {
  return manager.find(CompletionEvent, { where: { requestId }, order: { id: 'ASC' } });
}

/** The open (pending or claimed) request for an order, if any: a second one is refused. */
export function openCompletionForOrder(
  manager: EntityManager,
  orderNo: string,
): Promise<CompletionRequest | null> {
  return manager.findOneBy(CompletionRequest, { openOrderNo: orderNo });
}

/** The order's latest request if it was rejected: a new request for that order resubmits it. */
export async function latestRejectedForOrder(
  manager: EntityManager,
  orderNo: string,
): Promise<CompletionRequest | null> {
  const latest = await manager
    .createQueryBuilder(CompletionRequest, 'c')
    .where('c.order_no = :orderNo', { orderNo })
    .orderBy('c.id', 'DESC')
    .getOne();
  return latest?.status === 'rejected' ? latest : null;
}

/** The request that resubmitted `requestId` (after it was rejected), if any. */
export function resubmissionOf(manager: EntityManager, requestId: number): Promise<CompletionRequest | null> {
  return manager.findOneBy(CompletionRequest, { resubmissionOfId: requestId });
}

/** The engineer's requests still waiting for a decision, for `我的`. */
export function openCompletionsOf(manager: EntityManager, reporterId: number): Promise<CompletionRequest[]> {
  return manager
    .createQueryBuilder(CompletionRequest, 'c')
    .where('c.reporter_id = :reporterId', { reporterId })
    .andWhere('c.status IN (:...open)', { open: [...OPEN_COMPLETION_STATUSES] })
    .orderBy('c.created_at', 'DESC')
    .limit(20)
    .getMany();
}

/** Requests nobody claimed since before `before` and not yet re-alerted at `level` (for the re-alert job). */
export function unclaimedCompletions(
  manager: EntityManager,
  before: Date,
  level: number,
): Promise<CompletionRequest[]> {
  return manager
    .createQueryBuilder(CompletionRequest, 'c')
    .where("c.status = 'pending'")
    .andWhere('c.created_at < :before', { before })
    .andWhere('c.realert_level < :level', { level })
    .orderBy('c.id')
    .limit(200)
    .getMany();
}

/** Every request submitted in [from, to) (for statistics and the export). */
export function completionsCreatedBetween(
  manager: EntityManager,
  from: Date,
  to: Date,
): Promise<CompletionRequest[]> {
  return manager
    .createQueryBuilder(CompletionRequest, 'c')
    .where('c.created_at >= :from AND c.created_at < :to', { from, to })
    .orderBy('c.created_at', 'ASC')
    .addOrderBy('c.id', 'ASC')
    .getMany();
}
