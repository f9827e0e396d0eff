/**
 * Offline completion requests (线下报竣): an engineer who finished an install or a move but cannot close
 * the order on site sends the evidence from WeCom; the completion desk is alerted at once, claims the
 * request (exactly one person, by a guarded update), closes the order out or rejects it with a reason,
 * and the decision is pushed straight back to the engineer. Every command runs in the caller's
 * transaction and writes its notifications to the outbox. At most one request per order is open at a
 * time — the database enforces it with a unique index on the open order number.
 */
import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../db/raw-sql';
import { formatRefNo, nextCounterValue } from '../../db/ref-numbers';
import { AppError } from '../../errors';
import { enqueue } from '../../notifications/enqueue';
import { localDay } from '../../zoned-time';
import { readSetting } from '../settings';
import { Staff } from '../staff';
import { CompletionEvent, type CompletionEventType } from './completion-event.entity';
import { CompletionSequence } from './completion-sequence.entity';
import { CompletionRequest, type CompletionPhoto, type CompletionStatus } from './completion.entity';
import { latestRejectedForOrder, openCompletionForOrder } from './completion.queries';
import {
  businessTypesSetting,
  opticalPowerSetting,
  orderNoPatternSetting,
  rejectReasonsSetting,
  type BusinessType,
} from './completion.settings';
import './completion.templates';

/** The duty group alerted for every new request: the people who close orders out (报竣人员). */
export const COMPLETION_DESK_GROUP = 'completion-desk';
export const MAX_COMPLETION_PHOTOS = 9;
export const MAX_SERIALS = 10;
const PREFIX = 'BJ';
/** Serial numbers and MACs as printed on device labels (ZTEG1A2B3C4D, 48575443ABCD1234, 00:1A:2B:…). */
const SERIAL = /^[A-Za-z0-9][A-Za-z0-9:._/-]{3,47}$/;

/** An order number as typed (spaces and case tidied), if it matches the configured pattern. */
export async function checkOrderNo(manager: EntityManager, raw: string): Promise<string | undefined> {
  const orderNo = raw.trim().toUpperCase();
  const pattern = (await readSetting(manager, orderNoPatternSetting)).value;
  if (orderNo.length === 0 || orderNo.length > 32 || !new RegExp(pattern, 'u').test(orderNo))
    return undefined;
  return orderNo;
}

/** A serial number as typed or scanned, if it looks like one. */
export function checkSerial(raw: string): string | undefined {
  const serial = raw.trim();
  return SERIAL.test(serial) ? serial : undefined;
}

/** Whether a measured optical power passes, and the thresholds it was judged by. */
export async function judgePower(
  manager: EntityManager,
  dbm: number,
): Promise<{ isInRange: boolean; minDbm: number; maxDbm: number }> {
  const { minDbm, maxDbm } = (await readSetting(manager, opticalPowerSetting)).value;
  return { isInRange: dbm >= minDbm && dbm <= maxDbm, minDbm, maxDbm };
}

export async function businessTypes(manager: EntityManager): Promise<readonly BusinessType[]> {
  return (await readSetting(manager, businessTypesSetting)).value;
}

async function addEvent(
  manager: EntityManager,
  request: CompletionRequest,
  type: CompletionEventType,
  actor: string,
  at: Date,
  extra: { note?: string | null; data?: object | null } = {},
): Promise<void> {
  await manager.insert(CompletionEvent, {
    requestId: request.id,
    type,
    actor,
    note: extra.note ?? null,
    data: extra.data ?? null,
    at,
  });
}

export interface SubmitCompletionProps {
  readonly manager: EntityManager;
  readonly reporter: Staff;
  readonly orderNo: string;
  readonly businessType: string;
  readonly photos: readonly CompletionPhoto[];
  readonly serials: readonly string[];
  readonly opticalPowerDbm: number | null;
  readonly remarks: string | null;
  /**
   * Hand the request to the order system (ORDER_SYSTEM_URL) instead of alerting the desk at once: its
   * answer decides it; if it answers `manual` the desk is alerted, and if it never answers the re-alert
   * job brings the desk in as for any unclaimed request.
   */
  readonly handOffToOrderSystem?: boolean;
  readonly timeZone: string;
  readonly now: Date;
}

/**
 * Files a request and alerts the completion desk by SMS — urgent, because the engineer waits on site for
 * the answer. Everything the business type needs must be there: a photo for each checklist item, the
 * serials, the optical power (a value outside the thresholds is accepted but flagged). A second open
 * request for the same order is refused (CONFLICT); a request for an order whose last one was rejected
 * is recorded as its resubmission.
 */
export async function submitCompletion(props: SubmitCompletionProps): Promise<CompletionRequest> {
  const { manager, reporter, now } = props;
  const invalid = (detail: string) => new AppError('VALIDATION_FAILED', detail, { params: { detail } });
  const orderNo = await checkOrderNo(manager, props.orderNo);
  if (!orderNo) throw invalid('orderNo');
  const type = (await businessTypes(manager)).find((candidate) => candidate.name === props.businessType);
  if (!type) throw invalid('businessType');
  const missing = type.photos.filter((item) => !props.photos.some((photo) => photo.item === item));
  if (missing.length > 0 || props.photos.length > MAX_COMPLETION_PHOTOS) throw invalid('photos');
  const serials = [...new Set(props.serials.map((serial) => checkSerial(serial)))];
  if (
    serials.includes(undefined) ||
    serials.length > MAX_SERIALS ||
    (type.requiresSerials && serials.length === 0)
  )
    throw invalid('serials');
  const power = props.opticalPowerDbm;
  if (type.requiresPower && (power === null || !Number.isFinite(power))) throw invalid('opticalPower');
  const isPowerOutOfRange =
    type.requiresPower && power !== null ? !(await judgePower(manager, power)).isInRange : false;

  const open = await openCompletionForOrder(manager, orderNo);
  if (open) throw new AppError('CONFLICT', `order ${orderNo} has open request ${open.refNo}`);
  const rejected = await latestRejectedForOrder(manager, orderNo);
  const prefix = `${PREFIX}${localDay(now, props.timeZone).replaceAll('-', '')}`;
  const refNo = formatRefNo(prefix, await nextCounterValue(manager, CompletionSequence, prefix));
  let request: CompletionRequest;
  try {
    request = await manager.save(
      manager.create(CompletionRequest, {
        refNo,
        orderNo,
        openOrderNo: orderNo,
        businessType: type.name,
        status: 'pending',
        photos: props.photos.map((photo) => ({ item: photo.item, key: photo.key })),
        serials: serials.filter((serial): serial is string => serial !== undefined),
        opticalPowerDbm: type.requiresPower ? power : null,
        isPowerOutOfRange,
        remarks: props.remarks?.trim().slice(0, 1000) || null,
        reporterId: reporter.id,
        areaId: reporter.departmentId,
        assigneeStaffId: null,
        decidedByStaffId: null,
        resultNote: null,
        rejectReason: null,
        resubmissionOfId: rejected?.id ?? null,
        realertLevel: 0,
        version: 1,
        createdAt: now,
        claimedAt: null,
        decidedAt: null,
        updatedAt: now,
      }),
    );
  } catch (error) {
    // Two requests for one order submitted at the same moment: the unique index lets one through.
    if (isUniqueViolation(error)) throw new AppError('CONFLICT', `order ${orderNo} has an open request`);
    throw error;
  }
  await addEvent(manager, request, 'submitted', reporter.staffNo, now, {
    note: request.remarks,
    data: rejected ? { resubmissionOf: rejected.refNo } : null,
  });
  if (props.handOffToOrderSystem) {
    await enqueue(manager, {
      channel: 'orders',
      to: { system: 'orders' },
      template: 'completion.handOff',
      data: {
        requestId: request.id,
        refNo: request.refNo,
        orderNo,
        businessType: type.name,
        serials: request.serials,
        opticalPowerDbm: request.opticalPowerDbm,
        isPowerOutOfRange,
        reporterStaffNo: reporter.staffNo,
        submittedAt: now.toISOString(),
      },
      dedupeKey: `completion:${request.id}:handoff`,
      urgency: 'urgent',
      now,
    });
    await addEvent(manager, request, 'handedOff', 'system', now);
  } else {
    await alertDesk(manager, request, reporter, 'submitted', now);
  }
  return request;
}

/** Texts the completion desk about a request (at submission, or when the order system hands it back). */
async function alertDesk(
  manager: EntityManager,
  request: CompletionRequest,
  reporter: Staff,
  why: 'submitted' | 'manual',
  now: Date,
): Promise<void> {
  await enqueue(manager, {
    channel: 'sms',
    to: { group: COMPLETION_DESK_GROUP },
    template: 'completion.submitted',
    data: {
      refNo: request.refNo,
      orderNo: request.orderNo,
      businessType: request.businessType,
      reporterName: reporter.name,
      reporterStaffNo: reporter.staffNo,
      reporterPhone: (reporter.phone ?? '').replace(/^\+86/, ''),
      isPowerOutOfRange: request.isPowerOutOfRange,
      isResubmission: request.resubmissionOfId !== null,
    },
    dedupeKey: `completion:${request.id}:${why}`,
    urgency: 'urgent',
    now,
  });
}

/**
 * Applies the order system's answer: completed or rejected like a desk decision (the engineer hears it
 * at once), or `manual` — the desk is alerted to close it by hand. An answer arriving after a person
 * already decided the request is recorded and changes nothing.
 */
export async function applyOrderSystemAnswer(props: {
  readonly manager: EntityManager;
  readonly requestId: number;
  readonly answer: {
    readonly result: 'completed' | 'rejected' | 'manual';
    readonly note?: string;
    readonly reason?: string;
  };
  readonly now: Date;
}): Promise<CompletionRequest | undefined> {
  const { manager, answer, now } = props;
  const request = await manager.findOneBy(CompletionRequest, { id: props.requestId });
  if (!request) return undefined;
  const note = answer.note?.trim().slice(0, 1000) ?? '';
  if (request.status !== 'pending' && request.status !== 'claimed') {
    await addEvent(manager, request, 'manual', 'order-system', now, {
      note: note || null,
      data: { result: answer.result, ignored: true },
    });
    return request;
  }
  if (answer.result === 'manual') {
    const reporter = await manager.findOneByOrFail(Staff, { id: request.reporterId });
    await addEvent(manager, request, 'manual', 'order-system', now, { note: note || null });
    await alertDesk(manager, request, reporter, 'manual', now);
    return request;
  }
  const isCompleted = answer.result === 'completed';
  const reason = isCompleted ? null : answer.reason?.trim().slice(0, 64) || null;
  const updated = await commitChange(
    manager,
    request,
    {
      status: isCompleted ? 'completed' : 'rejected',
      openOrderNo: null,
      decidedAt: now,
      decidedByStaffId: null,
      rejectReason: reason,
      resultNote: note || null,
    },
    now,
  );
  await addEvent(manager, updated, isCompleted ? 'completed' : 'rejected', 'order-system', now, {
    note: note || null,
    ...(reason ? { data: { reason } } : {}),
  });
  await tellEngineer(
    manager,
    updated,
    isCompleted ? { outcome: 'completed', note } : { outcome: 'rejected', reason: reason ?? '', note },
    now,
  );
  return updated;
}

/** Who may act on completion requests: the desk (tier 2) and admins. */
function canActOnCompletion(actor: Staff): boolean {
  return actor.role === 'tier2' || actor.role === 'admin';
}

/** Who may see them: the desk, managers and admins. */
function canSeeCompletion(viewer: Staff): boolean {
  return viewer.role === 'tier2' || viewer.role === 'manager' || viewer.role === 'admin';
}

/** Loads a request for a change by `actor`: it must exist, be theirs to act on, and be at `version`. */
async function forChange(
  manager: EntityManager,
  requestId: number,
  version: number | undefined,
  actor: Staff,
): Promise<CompletionRequest> {
  const request = await manager.findOneBy(CompletionRequest, { id: requestId });
  if (!request || !canSeeCompletion(actor)) throw new AppError('NOT_FOUND', `completion ${requestId}`);
  if (!canActOnCompletion(actor))
    throw new AppError('FORBIDDEN', `${actor.staffNo} may not act on completion ${request.refNo}`);
  if (version !== undefined && request.version !== version)
    throw new AppError(
      'CONFLICT',
      `completion ${request.refNo} is at version ${request.version}, not ${version}`,
    );
  return request;
}

function mustBeIn(request: CompletionRequest, statuses: readonly CompletionStatus[]): void {
  if (!statuses.includes(request.status))
    throw new AppError('ILLEGAL_TRANSITION', `completion ${request.refNo} is ${request.status}`);
}

/** Only the person who claimed it decides it (admins may step in). */
function mustBeAssignee(request: CompletionRequest, actor: Staff): void {
  if (request.assigneeStaffId !== actor.id && actor.role !== 'admin')
    throw new AppError(
      'ILLEGAL_TRANSITION',
      `completion ${request.refNo} is not claimed by ${actor.staffNo}`,
    );
}

/** Saves the changes only if the version is still the one read: the loser of a race gets CONFLICT. */
async function commitChange(
  manager: EntityManager,
  request: CompletionRequest,
  changes: Partial<Omit<CompletionRequest, 'photos' | 'serials'>>,
  now: Date,
): Promise<CompletionRequest> {
  const result = await manager.update(
    CompletionRequest,
    { id: request.id, version: request.version },
    { ...changes, version: request.version + 1, updatedAt: now },
  );
  if (result.affected !== 1) throw new AppError('CONFLICT', `completion ${request.refNo} changed meanwhile`);
  return manager.findOneByOrFail(CompletionRequest, { id: request.id });
}

/** Takes a pending request; exactly one of several people claiming at once wins. */
export async function claimCompletion(props: {
  readonly manager: EntityManager;
  readonly requestId: number;
  readonly actor: Staff;
  readonly now: Date;
}): Promise<CompletionRequest> {
  const { manager, actor, now } = props;
  const request = await forChange(manager, props.requestId, undefined, actor);
  if (request.status !== 'pending')
    throw new AppError('CONFLICT', `completion ${request.refNo} was already claimed`);
  const result = await manager
    .createQueryBuilder()
    .update(CompletionRequest)
    .set({
      status: 'claimed',
      assigneeStaffId: actor.id,
      claimedAt: now,
      version: () => 'version + 1',
      updatedAt: now,
    })
    .where("id = :id AND status = 'pending' AND assignee_staff_id IS NULL", { id: request.id })
    .execute();
  if (result.affected !== 1)
    throw new AppError('CONFLICT', `completion ${request.refNo} was claimed meanwhile`);
  const claimed = await manager.findOneByOrFail(CompletionRequest, { id: request.id });
  await addEvent(manager, claimed, 'claimed', actor.staffNo, now);
  return claimed;
}

interface DecisionProps {
  readonly manager: EntityManager;
  readonly requestId: number;
  readonly version: number;
  readonly actor: Staff;
  readonly now: Date;
}

async function tellEngineer(
  manager: EntityManager,
  request: CompletionRequest,
  data: { outcome: 'completed' | 'rejected'; reason?: string; note: string },
  now: Date,
): Promise<void> {
  await enqueue(manager, {
    channel: 'wecom',
    to: { staffId: request.reporterId },
    template: 'completion.result',
    data: { refNo: request.refNo, orderNo: request.orderNo, ...data, note: data.note.slice(0, 500) },
    dedupeKey: `completion:${request.id}:${data.outcome}`,
    urgency: 'urgent',
    now,
  });
}

/** The order is closed out (报竣完成): the request is done and the engineer hears it at once. */
export async function completeCompletion(
  props: DecisionProps & { readonly note: string },
): Promise<CompletionRequest> {
  const { manager, actor, now } = props;
  const note = props.note.trim();
  if (note.length > 1000) throw new AppError('VALIDATION_FAILED', 'note', { params: { detail: 'note' } });
  const request = await forChange(manager, props.requestId, props.version, actor);
  mustBeIn(request, ['claimed']);
  mustBeAssignee(request, actor);
  const updated = await commitChange(
    manager,
    request,
    {
      status: 'completed',
      openOrderNo: null,
      decidedAt: now,
      decidedByStaffId: actor.id,
      resultNote: note || null,
    },
    now,
  );
  await addEvent(manager, updated, 'completed', actor.staffNo, now, { note: note || null });
  await tellEngineer(manager, updated, { outcome: 'completed', note }, now);
  return updated;
}

/**
 * Sends the request back with one of the configured reasons (and an explanation): it is no longer open,
 * so the engineer can fix what was wrong and submit a new request for the order.
 */
export async function rejectCompletion(
  props: DecisionProps & { readonly reason: string; readonly note: string },
): Promise<CompletionRequest> {
  const { manager, actor, now } = props;
  const note = props.note.trim();
  const reasons = (await readSetting(manager, rejectReasonsSetting)).value;
  if (!reasons.includes(props.reason))
    throw new AppError('VALIDATION_FAILED', 'reason', { params: { detail: 'reason' } });
  if (note.length > 1000) throw new AppError('VALIDATION_FAILED', 'note', { params: { detail: 'note' } });
  const request = await forChange(manager, props.requestId, props.version, actor);
  mustBeIn(request, ['claimed']);
  mustBeAssignee(request, actor);
  const updated = await commitChange(
    manager,
    request,
    {
      status: 'rejected',
      openOrderNo: null,
      decidedAt: now,
      decidedByStaffId: actor.id,
      rejectReason: props.reason,
      resultNote: note || null,
    },
    now,
  );
  await addEvent(manager, updated, 'rejected', actor.staffNo, now, {
    note: note || null,
    data: { reason: props.reason },
  });
  await tellEngineer(manager, updated, { outcome: 'rejected', reason: props.reason, note }, now);
  return updated;
}

/** Records a re-alert on the timeline (the re-alert job). */
export async function recordRealert(
  manager: EntityManager,
  request: CompletionRequest,
  level: number,
  minutes: number,
  now: Date,
): Promise<void> {
  await addEvent(manager, request, 'realerted', 'system', now, { data: { level, minutes } });
}
