import type { EntityManager } from 'typeorm';
import { AuditEntry } from './audit-entry.entity';

export interface AuditFilter {
  readonly actor?: string;
  readonly recordType?: string;
  readonly from?: Date;
  readonly to?: Date;
  readonly limit?: number;
}

/** The audit log, newest first, filtered by person, record type and time. */
export function listAudit(manager: EntityManager, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const query = manager
    .createQueryBuilder(AuditEntry, 'a')
    .orderBy('a.id', 'DESC')
    .limit(filter.limit ?? 200);
  if (filter.actor) query.andWhere('a.actor = :actor', { actor: filter.actor });
  if (filter.recordType) query.andWhere('a.record_type = :recordType', { recordType: filter.recordType });
  if (filter.from) query.andWhere('a.at >= :from', { from: filter.from });
  if (filter.to) query.andWhere('a.at < :to', { to: filter.to });
  return query.getMany();
}

export async function listAuditRecordTypes(manager: EntityManager): Promise<string[]> {
  const rows = await manager
    .createQueryBuilder(AuditEntry, 'a')
    .select('DISTINCT a.record_type', 'type')
    .orderBy('type')
    .getRawMany<{ type: string }>();
  return rows.map((row) => row.type);
}
