/**
 * `enqueue(manager, …)`: the only way anything leaves Fieldline (DESIGN §2, §4.4). The row is written in
 * the caller's transaction, so an alert exists exactly when the change that caused it commits; the relay
 * is woken once it has. Recipients are staff records or duty groups (or a WeCom UserID WeCom itself
 * verified), resolved to a phone, address or UserID at send time — never text a user typed.
 */
import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../db/raw-sql';
import { afterCommit } from '../db/transaction';
import { findBatchRecipients } from './batches';
import { OutboxMessage, type OutboxChannel, type RecipientKind, type Urgency } from './outbox.entity';
import { notifyOutbox } from './signal';
import { findTemplate } from './templates';

export type Recipient =
  | { readonly staffId: number }
  | { readonly group: string }
  /** A member's verified WeCom UserID (from a signed callback); WeCom channel only. */
  | { readonly wecomUser: string }
  /** Another system, for its own channel (`orders`: the order system). */
  | { readonly system: 'orders' }
  /** One WeCom message to a batch of up to 1,000 members, by a ref registered in batches.ts. */
  | { readonly batch: string };

export interface EnqueueProps {
  readonly channel: OutboxChannel;
  readonly to: Recipient;
  readonly template: string;
  readonly data: unknown;
  /** Unique per intended message: enqueueing the same key again is a no-op (retries, double clicks). */
  readonly dedupeKey: string;
  readonly urgency?: Urgency;
  readonly now?: Date;
}

export interface Enqueued {
  readonly id: number;
  readonly isDuplicate: boolean;
}

function recipientColumns(
  to: Recipient,
  channel: OutboxChannel,
): { recipientKind: RecipientKind; recipientRef: string } {
  if ('staffId' in to) return { recipientKind: 'staff', recipientRef: String(to.staffId) };
  if ('group' in to) return { recipientKind: 'group', recipientRef: to.group };
  if ('batch' in to) {
    if (channel !== 'wecom') throw new Error('a batch can only receive WeCom pushes');
    if (to.batch.length > 64 || !findBatchRecipients(to.batch)) throw new Error(`unknown batch ${to.batch}`);
    return { recipientKind: 'batch', recipientRef: to.batch };
  }
  if ('system' in to) {
    if (channel !== 'orders') throw new Error('a system recipient needs its own channel');
    return { recipientKind: 'system', recipientRef: to.system };
  }
  if (channel !== 'wecom') throw new Error('a WeCom UserID can only receive WeCom pushes');
  return { recipientKind: 'wecom_user', recipientRef: to.wecomUser };
}

export async function enqueue(manager: EntityManager, props: EnqueueProps): Promise<Enqueued> {
  if (!manager.queryRunner?.isTransactionActive)
    throw new Error('enqueue must run inside the caller’s transaction');
  const template = findTemplate(props.template);
  if (!template) throw new Error(`unknown notification template ${props.template}`);
  const data = template.schema.parse(props.data);
  if (props.dedupeKey.length === 0 || props.dedupeKey.length > 191)
    throw new Error('dedupeKey must be 1–191 characters');

  const existing = await manager.findOne(OutboxMessage, {
    where: { dedupeKey: props.dedupeKey },
    select: { id: true },
  });
  if (existing) return { id: existing.id, isDuplicate: true };
  const now = props.now ?? new Date();
  try {
    const row = await manager.save(
      manager.create(OutboxMessage, {
        channel: props.channel,
        ...recipientColumns(props.to, props.channel),
        template: props.template,
        data,
        dedupeKey: props.dedupeKey,
        urgency: props.urgency ?? 'normal',
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        claimToken: null,
        leaseUntil: null,
        parentId: null,
        isOnDuty: false,
        resolvedAddress: null,
        providerId: null,
        providerStatus: null,
        uncertainSince: null,
        lastError: null,
        createdAt: now,
        sentAt: null,
      }),
    );
    afterCommit(manager, notifyOutbox);
    return { id: row.id, isDuplicate: false };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const raced = await manager.findOneByOrFail(OutboxMessage, { dedupeKey: props.dedupeKey });
    return { id: raced.id, isDuplicate: true };
  }
}
