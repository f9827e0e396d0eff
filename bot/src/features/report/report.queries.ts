import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { countBy, oneDecimal, quantile } from '../../statistics';
import { isoWeek } from '../../zoned-time';
import { ReportEvent } from './report-event.entity';
import { Report, type ReportKind, type ReportStatus } from './report.entity';

export interface ReportFilter {
  readonly kind: ReportKind;
  readonly status?: ReportStatus;
  readonly category?: string;
  readonly areaId?: number;
  readonly reporterId?: number;
  readonly from?: Date;
  readonly to?: Date;
  /** Tier-3: only reports assigned to this department (or to this person). */
  readonly scope?: { readonly departmentId: number | null; readonly staffId: number };
  readonly limit?: number;
}

function scoped(query: SelectQueryBuilder<Report>, scope: ReportFilter['scope']): SelectQueryBuilder<Report> {
  if (!scope) return query;
  return query.andWhere(
    '(r.assignee_staff_id = :scopeStaff OR r.assignee_department_id = :scopeDepartment)',
    {
      scopeStaff: scope.staffId,
      scopeDepartment: scope.departmentId ?? -1,
    },
  );
}

/** A queue: oldest first, so what has waited longest is on top. */
export function listReports(manager: EntityManager, filter: ReportFilter): Promise<Report[]> {
  const query = manager
    .createQueryBuilder(Report, 'r')
    .where('r.kind = :kind', { kind: filter.kind })
    .orderBy('r.created_at', 'ASC');
  if (filter.status) query.andWhere('r.status = :status', { status: filter.status });
  else query.andWhere("r.status <> 'closed'");
  if (filter.category) query.andWhere('r.category = :category', { category: filter.category });
  if (filter.areaId !== undefined) query.andWhere('r.area_id = :areaId', { areaId: filter.areaId });
  if (filter.reporterId !== undefined)
    query.andWhere('r.reporter_id = :reporterId', { reporterId: filter.reporterId });
  if (filter.from) query.andWhere('r.created_at >= :from', { from: filter.from });
  if (filter.to) query.andWhere('r.created_at < :to', { to: filter.to });
  scoped(query, filter.scope);
  return query.limit(filter.limit ?? 300).getMany();
}

export function countOpenReports(
  manager: EntityManager,
  kind: ReportKind,
  scope?: ReportFilter['scope'],
): Promise<number> {
  const query = manager
    .createQueryBuilder(Report, 'r')
    .where('r.kind = :kind', { kind })
    .andWhere("r.status <> 'closed'");
  scoped(query, scope);
  return query.getCount();
}

export function findReport(manager: EntityManager, id: number): Promise<Report | null> {
  return manager.findOneBy(Report, { id });
}

export function findReportByRefNo(manager: EntityManager, refNo: string): Promise<Report | null> {
  return manager.findOneBy(Report, { refNo });
}

export function reportTimeline(manager: EntityManager, reportId: number): Promise<ReportEvent[]> {
  return manager.find(ReportEvent, { where: { reportId }, order: { id: 'ASC' } });
}

/** The reporter's reports still in progress, for `我的`. */
export function openReportsOf(manager: EntityManager, reporterId: number): Promise<Report[]> {
  return manager
    .createQueryBuilder(Report, 'r')
    .where('r.reporter_id = :reporterId', { reporterId })
    .andWhere("r.status <> 'closed'")
    .orderBy('r.created_at', 'DESC')
    .limit(20)
    .getMany();
}

/** Reports left untouched since before `before` and not yet reminded at `level` (for the reminder job). */
export function untouchedReports(manager: EntityManager, before: Date, level: number): Promise<Report[]> {
  return manager
    .createQueryBuilder(Report, 'r')
    .where("r.status <> 'closed'")
    .andWhere('r.touched_at < :before', { before })
    .andWhere('r.reminder_level < :level', { level })
    .orderBy('r.id')
    .limit(200)
    .getMany();
}

export interface ReportStats {
  readonly total: number;
  readonly open: number;
  readonly overdue: number;
  /** Hours from report to closure, median of those closed in the period (null if none). */
  readonly medianHoursToClose: number | null;
  readonly byCategory: ReadonlyArray<readonly [string, number]>;
  readonly byArea: ReadonlyArray<readonly [number | null, number]>;
  readonly byWeek: ReadonlyArray<readonly [string, number]>;
}

/** Figures for the managers' view, over the reports created in [from, to). */
export async function reportStats(
  manager: EntityManager,
  options: {
    readonly kind: ReportKind;
    readonly from: Date;
    readonly to: Date;
    readonly now: Date;
    readonly overdueAfterMinutes: number;
    readonly timeZone: string;
  },
): Promise<{ stats: ReportStats; reports: Report[] }> {
  const reports = await manager
    .createQueryBuilder(Report, 'r')
    .where('r.kind = :kind', { kind: options.kind })
    .andWhere('r.created_at >= :from AND r.created_at < :to', { from: options.from, to: options.to })
    .orderBy('r.created_at', 'ASC')
    .getMany();
  const open = reports.filter((report) => report.status !== 'closed');
  const overdueBefore = options.now.getTime() - options.overdueAfterMinutes * 60_000;
  const hours = reports
    .filter((report) => report.closedAt !== null)
    .map((report) => ((report.closedAt?.getTime() ?? 0) - report.createdAt.getTime()) / 3_600_000)
    .sort((a, b) => a - b);
  return {
    reports,
    stats: {
      total: reports.length,
      open: open.length,
      overdue: open.filter((report) => report.touchedAt.getTime() < overdueBefore).length,
      medianHoursToClose: oneDecimal(quantile(hours, 0.5)),
      byCategory: countBy(reports, (report) => report.category),
      byArea: countBy(reports, (report) => report.areaId),
      byWeek: countBy(reports, (report) => isoWeek(report.createdAt, options.timeZone)).sort((a, b) =>
        a[0].localeCompare(b[0]),
      ),
    },
  };
}
