import type { EntityManager } from 'typeorm';
import { AppError } from '../errors';
import { OutboxMessage, type OutboxStatus } from './outbox.entity';

/** Recent outbox rows, newest first, optionally of some statuses (operators: failures and dead rows). */
export function listOutbox(
  manager: EntityManager,
  options: { readonly statuses?: readonly OutboxStatus[]; readonly limit?: number } = {},
): Promise<OutboxMessage[]> {
  const query = manager
    .createQueryBuilder(OutboxMessage, 'o')
    .orderBy('o.id', 'DESC')
    .limit(options.limit ?? 50);
  if (options.statuses && options.statuses.length > 0)
    query.where('o.status IN (:...statuses)', { statuses: options.statuses });
  return query.getMany();
}

/**
 * Puts a dead (or waiting) row back in line to be sent now, with a fresh attempt budget. Rows already
 * sent are refused: sending them again would be a second message, not a retry. A WeCom batch given up
 * because its first attempt was older than WeCom's duplicate-check window starts afresh: the operator
 * accepts that members who got it then may get it again (relay.ts).
 */
export async function retryOutboxMessage(props: {
  readonly manager: EntityManager;
  readonly id: number;
  readonly now?: Date;
}): Promise<OutboxMessage> {
  const row = await props.manager.findOneBy(OutboxMessage, { id: props.id });
  if (!row) throw new AppError('NOT_FOUND', `outbox message ${props.id} does not exist`);
  if (row.status === 'sent' || row.status === 'expanded' || row.status === 'sending') {
    throw new AppError(
      'ILLEGAL_TRANSITION',
      `outbox message ${props.id} is ${row.status}; only pending or dead messages can be retried`,
    );
  }
  await props.manager.update(
    OutboxMessage,
    { id: row.id, status: row.status },
    {
      status: 'pending',
      attempts: 0,
      nextAttemptAt: props.now ?? new Date(),
      lastError: null,
      claimToken: null,
      leaseUntil: null,
      ...(row.recipientKind === 'batch' ? { uncertainSince: null } : {}),
    },
  );
  return props.manager.findOneByOrFail(OutboxMessage, { id: row.id });
}

/** How many notifications gave up (dead), for the back office's queue. */
export function countDeadOutbox(manager: EntityManager): Promise<number> {
  return manager.countBy(OutboxMessage, { status: 'dead' });
}
