/**
 * Hazard and business-lead reports (隐患上报 / 商机上报), closed loop: submitted from WeCom, alerted to the
 * control desk by SMS, driven to closure on the web, and every step the reporter should know about pushed
 * back to them in WeCom. Every command runs in the caller's transaction and writes its notifications to
 * the outbox. Changes on the web carry the version they were made against: two people acting at once
 * cannot both win (the second gets CONFLICT), and a transition the state does not allow is refused.
 */
import type { EntityManager } from 'typeorm';
import { AppError } from '../../errors';
import { localDay } from '../../zoned-time';
import { formatRefNo, nextCounterValue } from '../../db/ref-numbers';
import { enqueue } from '../../notifications/enqueue';
import { creditReportPoints } from '../quiz';
import { readSetting } from '../settings';
import { Department, departmentHandlersToAlert, Staff } from '../staff';
import { ReportEvent, type ReportEventType } from './report-event.entity';
import { ReportSequence } from './report-sequence.entity';
import {
  HAZARD_RESOLUTIONS,
  LEAD_RESOLUTIONS,
  Report,
  type ReportKind,
  type Resolution,
} from './report.entity';
import { criticalHazardCategoriesSetting } from './report.settings';
import './report.templates';

/** The duty group alerted for every new report: the 1183301 control desk. */
export const DESK_GROUP = 'control-desk';
export const MAX_PHOTOS = 9;

const PREFIX: Readonly<Record<ReportKind, string>> = { hazard: 'YH', lead: 'SJ' };

/** The next reference number for the kind and day, e.g. YH20261121-0007 (concurrency-safe). */
async function nextRefNo(
  manager: EntityManager,
  kind: ReportKind,
  now: Date,
  timeZone: string,
): Promise<string> {
  const prefix = `${PREFIX[kind]}${localDay(now, timeZone).replaceAll('-', '')}`;
  return formatRefNo(prefix, await nextCounterValue(manager, ReportSequence, prefix));
}

async function addEvent(
  manager: EntityManager,
  report: Report,
  type: ReportEventType,
  actor: string,
  at: Date,
  extra: { note?: string | null; isForReporter?: boolean; data?: object | null } = {},
): Promise<void> {
  await manager.insert(ReportEvent, {
    reportId: report.id,
    type,
    actor,
    note: extra.note ?? null,
    isForReporter: extra.isForReporter ?? false,
    data: extra.data ?? null,
    at,
  });
}

/** Pushes an update to the reporter in WeCom (if they are still bound). */
async function tellReporter(
  manager: EntityManager,
  report: Report,
  event: 'assigned' | 'note' | 'closed' | 'reopened',
  detail: string,
  key: string,
  now: Date,
): Promise<void> {
  const outcome =
    event === 'closed' && report.resolution
      ? { resolution: report.resolution, value: report.resolutionValue }
      : {};
  await enqueue(manager, {
    channel: 'wecom',
    to: { staffId: report.reporterId },
    template: 'report.update',
    data: { kind: report.kind, refNo: report.refNo, event, detail: detail.slice(0, 500), ...outcome },
    dedupeKey: `report:${report.id}:${key}`,
    now,
  });
}

export interface SubmitReportProps {
  readonly manager: EntityManager;
  readonly reporter: Staff;
  readonly kind: ReportKind;
  readonly category: string;
  readonly description: string;
  readonly photos: readonly string[];
  readonly location: {
    readonly latitude: number | null;
    readonly longitude: number | null;
    readonly text: string | null;
  };
  readonly timeZone: string;
  readonly now: Date;
}

export async function submitReport(props: SubmitReportProps): Promise<Report> {
  const { manager, reporter, kind, now } = props;
  if (kind === 'hazard' && props.photos.length === 0)
    throw new AppError('VALIDATION_FAILED', 'a hazard needs a photo', { params: { detail: 'photo' } });
  const critical =
    kind === 'hazard' &&
    (await readSetting(manager, criticalHazardCategoriesSetting)).value.includes(props.category);
  const report = await manager.save(
    manager.create(Report, {
      refNo: await nextRefNo(manager, kind, now, props.timeZone),
      kind,
      status: 'open',
      category: props.category,
      description: props.description.slice(0, 2000),
      photos: props.photos.slice(0, MAX_PHOTOS),
      latitude: props.location.latitude,
      longitude: props.location.longitude,
      locationText: props.location.text?.slice(0, 255) ?? null,
      reporterId: reporter.id,
      areaId: reporter.departmentId,
      assigneeStaffId: null,
      assigneeDepartmentId: null,
      isCritical: critical,
      resolution: null,
      resolutionNote: null,
      resolutionValue: null,
      reminderLevel: 0,
      version: 1,
      createdAt: now,
      touchedAt: now,
      closedAt: null,
    }),
  );
  await addEvent(manager, report, 'submitted', reporter.staffNo, now);
  const location =
    props.location.text ??
    (props.location.latitude !== null ? `${props.location.latitude},${props.location.longitude}` : '-');
  await enqueue(manager, {
    channel: 'sms',
    to: { group: DESK_GROUP },
    template: 'report.submitted',
    data: {
      kind,
      refNo: report.refNo,
      category: report.category,
      description: report.description,
      reporterName: reporter.name,
      reporterStaffNo: reporter.staffNo,
      reporterPhone: (reporter.phone ?? '').replace(/^\+86/, ''),
      location,
    },
    dedupeKey: `report:${report.id}:submitted`,
    urgency: critical ? 'urgent' : 'normal',
    now,
  });
  if (critical) {
    const managers =
      reporter.departmentId === null
        ? []
        : await manager.findBy(Staff, {
            role: 'manager',
            departmentId: reporter.departmentId,
            isActive: true,
          });
    for (const areaManager of managers) {
      await enqueue(manager, {
        channel: 'sms',
        to: { staffId: areaManager.id },
        template: 'report.critical',
        data: {
          refNo: report.refNo,
          category: report.category,
          description: report.description,
          reporterName: reporter.name,
          location,
        },
        dedupeKey: `report:${report.id}:critical:${areaManager.id}`,
        urgency: 'urgent',
        now,
      });
    }
  }
  return report;
}

/** Who may act on a report: desk and admins on any; tier-3 only on those assigned to them or their department. */
export function canActOnReport(actor: Staff, report: Report): boolean {
  if (actor.role === 'admin' || actor.role === 'tier2') return true;
  if (actor.role === 'tier3') {
    return (
      report.assigneeStaffId === actor.id ||
      (actor.departmentId !== null && report.assigneeDepartmentId === actor.departmentId)
    );
  }
  return false;
}

/** Loads a report for a change: it must exist, the actor may act on it, and nobody changed it since `version`. */
async function forChange(
  manager: EntityManager,
  reportId: number,
  version: number,
  actor: Staff,
): Promise<Report> {
  const report = await manager.findOneBy(Report, { id: reportId });
  if (!report) throw new AppError('NOT_FOUND', `report ${reportId}`);
  if (!canActOnReport(actor, report))
    throw new AppError('FORBIDDEN', `${actor.staffNo} may not act on report ${report.refNo}`);
  if (report.version !== version)
    throw new AppError('CONFLICT', `report ${report.refNo} is at version ${report.version}, not ${version}`);
  return report;
}

/**
 * Saves the changes only if the version is still the one read: the loser of a race gets CONFLICT. Any
 * action is a touch: the reminder clock and level start over.
 */
async function commitChange(
  manager: EntityManager,
  report: Report,
  changes: Partial<Omit<Report, 'photos'>>,
  now: Date,
): Promise<Report> {
  const result = await manager.update(
    Report,
    { id: report.id, version: report.version },
    { reminderLevel: 0, ...changes, version: report.version + 1, touchedAt: now },
  );
  if (result.affected !== 1) throw new AppError('CONFLICT', `report ${report.refNo} changed meanwhile`);
  return manager.findOneByOrFail(Report, { id: report.id });
}

export type Assignee = { readonly staffId: number } | { readonly departmentId: number };

/** Assigns an open (or assigned) report to a person or a department; they are alerted by SMS. */
export async function assignReport(props: {
  readonly manager: EntityManager;
  readonly reportId: number;
  readonly version: number;
  readonly actor: Staff;
  readonly assignee: Assignee;
  readonly now: Date;
}): Promise<Report> {
  const { manager, actor, now } = props;
  const report = await forChange(manager, props.reportId, props.version, actor);
  if (report.status === 'closed')
    throw new AppError('ILLEGAL_TRANSITION', `report ${report.refNo} is closed`);
  const recipients: Staff[] = [];
  let detail: string;
  if ('staffId' in props.assignee) {
    const person = await manager.findOneBy(Staff, { id: props.assignee.staffId, isActive: true });
    if (!person)
      throw new AppError('VALIDATION_FAILED', 'no such person', { params: { detail: 'assignee' } });
    recipients.push(person);
    detail = person.name;
  } else {
    const departmentId = props.assignee.departmentId;
    const handlers = await departmentHandlersToAlert(manager, departmentId);
    if (handlers.length === 0)
      throw new AppError('VALIDATION_FAILED', 'department has nobody to handle it', {
        params: { detail: 'department' },
      });
    recipients.push(...handlers);
    detail = (await manager.findOneByOrFail(Department, { id: departmentId })).name;
  }
  const updated = await commitChange(
    manager,
    report,
    'staffId' in props.assignee
      ? {
          status: 'assigned',
          assigneeStaffId: props.assignee.staffId,
          assigneeDepartmentId: recipients[0]?.departmentId ?? null,
        }
      : { status: 'assigned', assigneeStaffId: null, assigneeDepartmentId: props.assignee.departmentId },
    now,
  );
  await addEvent(manager, updated, 'assigned', actor.staffNo, now, {
    data: { ...props.assignee, name: detail },
  });
  for (const person of recipients) {
    await enqueue(manager, {
      channel: 'sms',
      to: { staffId: person.id },
      template: 'report.assigned',
      data: {
        kind: report.kind,
        refNo: report.refNo,
        category: report.category,
        description: report.description,
        by: actor.name,
      },
      dedupeKey: `report:${report.id}:v${updated.version}:assigned:${person.id}`,
      now,
    });
  }
  await tellReporter(manager, updated, 'assigned', detail, `v${updated.version}:assigned`, now);
  return updated;
}

/** Adds a note: internal, or also pushed to the reporter. */
export async function addReportNote(props: {
  readonly manager: EntityManager;
  readonly reportId: number;
  readonly version: number;
  readonly actor: Staff;
  readonly text: string;
  readonly isForReporter: boolean;
  readonly now: Date;
}): Promise<Report> {
  const { manager, actor, now } = props;
  const text = props.text.trim();
  if (text === '' || text.length > 2000)
    throw new AppError('VALIDATION_FAILED', 'note', { params: { detail: 'note' } });
  const report = await forChange(manager, props.reportId, props.version, actor);
  const updated = await commitChange(manager, report, {}, now);
  await addEvent(manager, updated, 'note', actor.staffNo, now, {
    note: text,
    isForReporter: props.isForReporter,
  });
  if (props.isForReporter)
    await tellReporter(manager, updated, 'note', text, `v${updated.version}:note`, now);
  return updated;
}

export function resolutionsFor(kind: ReportKind): readonly Resolution[] {
  return kind === 'hazard' ? HAZARD_RESOLUTIONS : LEAD_RESOLUTIONS;
}

/** Closes a report with a resolution (and, for a converted lead, its value); the reporter is told. */
export async function closeReport(props: {
  readonly manager: EntityManager;
  readonly reportId: number;
  readonly version: number;
  readonly actor: Staff;
  readonly resolution: string;
  readonly note: string;
  readonly value?: number | null;
  readonly now: Date;
}): Promise<Report> {
  const { manager, actor, now } = props;
  const report = await forChange(manager, props.reportId, props.version, actor);
  if (report.status === 'closed')
    throw new AppError('ILLEGAL_TRANSITION', `report ${report.refNo} is already closed`);
  if (!(resolutionsFor(report.kind) as readonly string[]).includes(props.resolution)) {
    throw new AppError('VALIDATION_FAILED', 'resolution', { params: { detail: 'resolution' } });
  }
  const value = report.kind === 'lead' && props.resolution === 'converted' ? (props.value ?? null) : null;
  if (value !== null && (!Number.isSafeInteger(value) || value < 0 || value > 100_000_000))
    throw new AppError('VALIDATION_FAILED', 'value', { params: { detail: 'value' } });
  const updated = await commitChange(
    manager,
    report,
    {
      status: 'closed',
      resolution: props.resolution as Resolution,
      resolutionNote: props.note.trim().slice(0, 2000) || null,
      resolutionValue: value,
      closedAt: now,
    },
    now,
  );
  await addEvent(manager, updated, 'closed', actor.staffNo, now, {
    note: props.note.trim() || null,
    data: { resolution: props.resolution, value },
  });
  await tellReporter(manager, updated, 'closed', props.note.trim(), `v${updated.version}:closed`, now);
  // Converted leads and fixed hazards earn their reporter points, once per report (even after a reopen).
  await creditReportPoints({ manager, report: updated, now });
  return updated;
}

/** Reopens a closed report (back to its assignee if it had one). */
export async function reopenReport(props: {
  readonly manager: EntityManager;
  readonly reportId: number;
  readonly version: number;
  readonly actor: Staff;
  readonly reason: string;
  readonly now: Date;
}): Promise<Report> {
  const { manager, actor, now } = props;
  const report = await forChange(manager, props.reportId, props.version, actor);
  if (report.status !== 'closed')
    throw new AppError('ILLEGAL_TRANSITION', `report ${report.refNo} is not closed`);
  const reason = props.reason.trim();
  if (reason === '') throw new AppError('VALIDATION_FAILED', 'reason', { params: { detail: 'reason' } });
  const hasAssignee = report.assigneeStaffId !== null || report.assigneeDepartmentId !== null;
  const updated = await commitChange(
    manager,
    report,
    {
      status: hasAssignee ? 'assigned' : 'open',
      resolution: null,
      resolutionNote: null,
      resolutionValue: null,
      closedAt: null,
      reminderLevel: 0,
    },
    now,
  );
  await addEvent(manager, updated, 'reopened', actor.staffNo, now, { note: reason });
  await tellReporter(manager, updated, 'reopened', reason, `v${updated.version}:reopened`, now);
  return updated;
}
