import type { EntityManager } from 'typeorm';
import { AuditEntry } from './audit-entry.entity';

export interface AuditProps {
  readonly manager: EntityManager;
  /** Staff number, or `cli:<os user>`. */
  readonly actor: string;
  readonly action: string;
  readonly recordType: string;
  readonly recordId?: string | number | null;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly ip?: string | null;
  readonly now?: Date;
}

/** Records a change in the caller's transaction: it is in the log exactly when the change committed. */
export async function recordAudit(props: AuditProps): Promise<void> {
  await props.manager.insert(AuditEntry, {
    actor: props.actor.slice(0, 64),
    action: props.action,
    recordType: props.recordType,
    recordId: props.recordId === undefined || props.recordId === null ? null : String(props.recordId),
    before: props.before ?? null,
    after: props.after ?? null,
    ip: props.ip?.slice(0, 64) ?? null,
    at: props.now ?? new Date(),
  });
}
