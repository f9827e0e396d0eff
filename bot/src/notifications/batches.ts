/**
 * Batch recipients: one WeCom message to up to 1,000 members in a single message/send call (`touser`
 * joined by `|`), for broadcasts to large audiences. An outbox row with recipient kind `batch` names its
 * batch by a ref such as `article:12:3`; the feature that wrote it registers (on import, like templates)
 * how to turn the ref into UserIDs — from a member list it froze when the batch was written, so every
 * attempt is byte-identical and WeCom's duplicate check can stop a resend — and what to record once the
 * batch is settled (sent, with WeCom's `invaliduser` list, or given up).
 */
import type { EntityManager } from 'typeorm';
import { MAX_USERS_PER_SEND } from '../channels/wecom/api-client';
import type { Locale } from '../i18n';

/** WeCom's message/send accepts at most 1,000 members in `touser` (the API client's limit). */
export const WECOM_BATCH_LIMIT = MAX_USERS_PER_SEND;

/** Who one batch reaches, in one language (the message is rendered once for all of them). */
export interface BatchAudience {
  /**
   * WeCom UserIDs, at most {@link WECOM_BATCH_LIMIT}: the same list in the same order on every attempt
   * (frozen when the batch was written; roster changes since then must not change it).
   */
  readonly addresses: readonly string[];
  readonly locale: Locale;
}

export interface BatchOutcome {
  readonly status: 'sent' | 'dead';
  /** UserIDs WeCom accepted (empty when dead). */
  readonly delivered: readonly string[];
  /** UserIDs WeCom refused (`invaliduser`: not in the app's visible range, unknown…). */
  readonly invalid: readonly string[];
  readonly at: Date;
}

export interface BatchRecipients {
  /** The part of the ref before its first `:` (`article` for `article:12:3`). */
  readonly prefix: string;
  /** The batch's frozen members; `refused` when the batch can never be sent (its record is gone). */
  resolve(manager: EntityManager, ref: string): Promise<BatchAudience | { readonly refused: string }>;
  /** Runs in the transaction that marks the row sent or dead, only if this relay still owned the row. */
  settle(manager: EntityManager, ref: string, outcome: BatchOutcome): Promise<void>;
}

const registry = new Map<string, BatchRecipients>();

/** Registers how refs with this prefix resolve; once per prefix. */
export function defineBatchRecipients(definition: BatchRecipients): BatchRecipients {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.prefix)) throw new Error(`bad batch prefix ${definition.prefix}`);
  if (registry.has(definition.prefix)) throw new Error(`batch prefix ${definition.prefix} is defined twice`);
  registry.set(definition.prefix, definition);
  return definition;
}

/** The definition a batch ref belongs to, if any. */
export function findBatchRecipients(ref: string): BatchRecipients | undefined {
  return registry.get(ref.slice(0, ref.indexOf(':')));
}
