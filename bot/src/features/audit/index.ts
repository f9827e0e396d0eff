/** The audit log: every change made through the web and the CLI. */
export { AuditEntry } from './audit-entry.entity';
export { recordAudit, type AuditProps } from './audit.commands';
export { listAudit, listAuditRecordTypes, type AuditFilter } from './audit.queries';
