import type { EntityManager } from 'typeorm';
import { readSetting } from '../settings';
import { PointsEntry, type PointsSourceType } from './points-entry.entity';
import { reportPointsSetting } from './quiz.settings';

/**
 * Credits points once per source (call inside the caller's transaction). Returns the entry, or null when
 * the source was credited before or `points` is not positive.
 */
export async function creditPoints(props: {
  readonly manager: EntityManager;
  readonly staffId: number;
  readonly points: number;
  readonly reasonKey: string;
  readonly sourceType: PointsSourceType;
  readonly sourceId: number;
  readonly now: Date;
}): Promise<PointsEntry | null> {
  const { manager } = props;
  if (props.points <= 0) return null;
  const existing = await manager.findOne(PointsEntry, {
    where: { sourceType: props.sourceType, sourceId: props.sourceId },
  });
  if (existing) return null;
  return manager.save(
    manager.create(PointsEntry, {
      staffId: props.staffId,
      points: props.points,
      reasonKey: props.reasonKey,
      sourceType: props.sourceType,
      sourceId: props.sourceId,
      createdAt: props.now,
    }),
  );
}

/** The closing of a report, as much of it as the ledger needs. */
export interface ClosedReport {
  readonly id: number;
  readonly kind: 'hazard' | 'lead';
  readonly reporterId: number;
  readonly resolution: string | null;
}

/**
 * Points for a report's reporter when it closes as a converted lead or a fixed hazard (points.reports).
 * Once per report: closing it again after a reopen credits nothing more.
 */
export async function creditReportPoints(props: {
  readonly manager: EntityManager;
  readonly report: ClosedReport;
  readonly now: Date;
}): Promise<PointsEntry | null> {
  const { report } = props;
  const rules = (await readSetting(props.manager, reportPointsSetting)).value;
  const reasonKey =
    report.kind === 'lead' && report.resolution === 'converted'
      ? 'report.lead.converted'
      : report.kind === 'hazard' && report.resolution === 'fixed'
        ? 'report.hazard.fixed'
        : undefined;
  if (!reasonKey) return null;
  return creditPoints({
    manager: props.manager,
    staffId: report.reporterId,
    points: report.kind === 'lead' ? rules.leadConverted : rules.hazardFixed,
    reasonKey,
    sourceType: 'report',
    sourceId: report.id,
    now: props.now,
  });
}
