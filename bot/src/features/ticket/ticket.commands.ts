/**
 * Questions (我要提问) and on-site support (现场支撑) — the "inverted triangle": the engineer asks, tier 2
 * (the control desk) answers or escalates to a tier-3 department, and every answer reaches the engineer
 * in WeCom. Every command runs in the caller's transaction and writes its notifications to the outbox.
 * Changes carry the version they were made against (the loser of a race gets CONFLICT); claiming is a
 * guarded update, so two people claiming at once cannot both win.
 */
import type { EntityManager } from 'typeorm';
import { formatRefNo, nextCounterValue } from '../../db/ref-numbers';
import { AppError } from '../../errors';
import { enqueue } from '../../notifications/enqueue';
import { localDay } from '../../zoned-time';
import { readSetting } from '../settings';
import { Department, departmentHandlersToAlert, Staff } from '../staff';
import { TicketMessage, type TicketMessageType } from './ticket-message.entity';
import { TicketSequence } from './ticket-sequence.entity';
import { SLA_ALERT, Ticket, type TicketKind, type TicketPriority, type TicketStatus } from './ticket.entity';
import { ticketSlaSetting, workingHoursSetting } from './ticket.settings';
import './ticket.templates';
import { addWorkingMinutes, workingMinutesBetween, type WorkingCalendar } from './working-calendar';

/** The duty group alerted for every new ticket: the 1183301 control desk. */
export const DESK_GROUP = 'control-desk';
export const MAX_TICKET_PHOTOS = 9;
const PREFIX: Readonly<Record<TicketKind, string>> = { question: 'TW', support: 'ZC' };

/** The tier a back-office person works at: tier 3 for back-end departments, tier 2 for the desk (and admins). */
function tierOf(staff: Staff): 2 | 3 | undefined {
  if (staff.role === 'tier3') return 3;
  if (staff.role === 'tier2' || staff.role === 'admin') return 2;
  return undefined;
}

/** Who may see a ticket: the desk, managers and admins all; tier 3 only what reached its department. */
export function canSeeTicket(viewer: Staff, ticket: Ticket): boolean {
  if (viewer.role === 'tier3')
    return viewer.departmentId !== null && ticket.departmentId === viewer.departmentId;
  return viewer.role === 'tier2' || viewer.role === 'manager' || viewer.role === 'admin';
}

/** Who may act on it now: someone at the ticket's current tier (tier 3: of its department). */
export function canActOnTicket(actor: Staff, ticket: Ticket): boolean {
  const tier = tierOf(actor);
  if (tier === undefined || tier !== ticket.tier) return false;
  return tier === 2 || (actor.departmentId !== null && ticket.departmentId === actor.departmentId);
}

async function workingCalendar(manager: EntityManager, timeZone: string): Promise<WorkingCalendar> {
  const hours = (await readSetting(manager, workingHoursSetting)).value;
  return { timeZone, start: hours.start, end: hours.end };
}

async function targetsFor(manager: EntityManager, kind: TicketKind, priority: TicketPriority) {
  return (await readSetting(manager, ticketSlaSetting)).value[kind][priority];
}

async function addMessage(
  manager: EntityManager,
  ticket: Ticket,
  type: TicketMessageType,
  author: Staff | null,
  at: Date,
  extra: { body?: string | null; photos?: readonly string[]; isInternal?: boolean } = {},
): Promise<void> {
  await manager.insert(TicketMessage, {
    ticketId: ticket.id,
    type,
    authorStaffId: author?.id ?? null,
    authorTier: author === null ? 0 : author.role === 'engineer' ? 1 : (tierOf(author) ?? 0),
    body: extra.body ?? null,
    photos: [...(extra.photos ?? [])],
    isInternal: extra.isInternal ?? false,
    at,
  });
}

/** Pushes an update to the engineer who asked (WeCom; replies are never held for quiet hours). */
async function tellEngineer(
  manager: EntityManager,
  ticket: Ticket,
  event: 'reply' | 'request' | 'escalated' | 'resolved' | 'reopened',
  detail: string,
  now: Date,
  photos: readonly string[] = [],
): Promise<void> {
  await enqueue(manager, {
    channel: 'wecom',
    to: { staffId: ticket.reporterId },
    template: 'ticket.update',
    data: {
      kind: ticket.kind,
      refNo: ticket.refNo,
      event,
      detail: detail.slice(0, 1200),
      ...(photos.length > 0 ? { photos: [...photos] } : {}),
    },
    dedupeKey: `ticket:${ticket.id}:v${ticket.version}:${event}`,
    urgency: 'urgent',
    now,
  });
}

async function handOver(
  manager: EntityManager,
  ticket: Ticket,
  to: readonly Staff[] | { group: string },
  event: 'escalated' | 'returned' | 'reopened' | 'engineer',
  by: string,
  note: string,
  now: Date,
): Promise<void> {
  const data = { kind: ticket.kind, refNo: ticket.refNo, question: ticket.question, event, by, note };
  const key = `ticket:${ticket.id}:v${ticket.version}:handover:${event}`;
  if ('group' in to) {
    await enqueue(manager, { channel: 'sms', to, template: 'ticket.handedOver', data, dedupeKey: key, now });
    return;
  }
  for (const person of to) {
    await enqueue(manager, {
      channel: 'sms',
      to: { staffId: person.id },
      template: 'ticket.handedOver',
      data,
      dedupeKey: `${key}:${person.id}`,
      now,
    });
  }
}

/**
 * Who should hear about the ticket now: its assignee if still active, else the department's handlers at
 * tier 3, else the control desk — never nobody.
 */
export async function currentHandlers(
  manager: EntityManager,
  ticket: Ticket,
): Promise<Staff[] | { group: string }> {
  const assignee =
    ticket.assigneeStaffId === null
      ? null
      : await manager.findOneBy(Staff, { id: ticket.assigneeStaffId, isActive: true });
  if (assignee) return [assignee];
  if (ticket.tier === 3 && ticket.departmentId !== null) {
    const handlers = await departmentHandlersToAlert(manager, ticket.departmentId);
    if (handlers.length > 0) return handlers;
  }
  return { group: DESK_GROUP };
}

export interface SubmitTicketProps {
  readonly manager: EntityManager;
  readonly reporter: Staff;
  readonly kind: TicketKind;
  readonly question: string;
  readonly orderNo: string | null;
  readonly photos: readonly string[];
  readonly location: {
    readonly latitude: number | null;
    readonly longitude: number | null;
    readonly text: string | null;
  };
  /** Set when the handbook answered it: the ticket is recorded as deflected and goes to nobody. */
  readonly deflectedByEntryId?: number;
  readonly timeZone: string;
  readonly now: Date;
}

/** Opens a ticket (or records a deflection); the desk is alerted by SMS, urgent ones also in WeCom. */
export async function submitTicket(props: SubmitTicketProps): Promise<Ticket> {
  const { manager, reporter, kind, now } = props;
  const question = props.question.trim().slice(0, 2000);
  if (question === '')
    throw new AppError('VALIDATION_FAILED', 'question', { params: { detail: 'question' } });
  const priority: TicketPriority = kind === 'support' ? 'urgent' : 'normal';
  const calendar = await workingCalendar(manager, props.timeZone);
  const targets = await targetsFor(manager, kind, priority);
  const prefix = `${PREFIX[kind]}${localDay(now, props.timeZone).replaceAll('-', '')}`;
  const isDeflected = props.deflectedByEntryId !== undefined;
  const ticket = await manager.save(
    manager.create(Ticket, {
      refNo: formatRefNo(prefix, await nextCounterValue(manager, TicketSequence, prefix)),
      kind,
      priority,
      status: isDeflected ? 'deflected' : 'new',
      tier: 2,
      departmentId: null,
      assigneeStaffId: null,
      escalatedByStaffId: null,
      reporterId: reporter.id,
      areaId: reporter.departmentId,
      question,
      orderNo: props.orderNo?.slice(0, 32) ?? null,
      photos: props.photos.slice(0, MAX_TICKET_PHOTOS),
      latitude: props.location.latitude,
      longitude: props.location.longitude,
      locationText: props.location.text?.slice(0, 255) ?? null,
      deflectedByEntryId: props.deflectedByEntryId ?? null,
      reopenCount: 0,
      slaAlerts: 0,
      version: 1,
      createdAt: now,
      firstResponseDueAt: addWorkingMinutes(now, targets.firstResponse, calendar),
      resolutionDueAt: addWorkingMinutes(now, targets.resolution, calendar),
      firstResponseAt: null,
      slaPausedAt: null,
      resolvedAt: isDeflected ? now : null,
      archivedAt: isDeflected ? now : null,
      updatedAt: now,
    }),
  );
  await addMessage(manager, ticket, 'question', reporter, now, { body: question, photos: ticket.photos });
  if (isDeflected) return ticket;
  const data = {
    kind,
    refNo: ticket.refNo,
    question,
    reporterName: reporter.name,
    reporterStaffNo: reporter.staffNo,
    reporterPhone: (reporter.phone ?? '').replace(/^\+86/, ''),
    orderNo: ticket.orderNo ?? '-',
  };
  const urgency = priority === 'urgent' ? 'urgent' : 'normal';
  await enqueue(manager, {
    channel: 'sms',
    to: { group: DESK_GROUP },
    template: 'ticket.submitted',
    data,
    dedupeKey: `ticket:${ticket.id}:submitted:sms`,
    urgency,
    now,
  });
  if (priority === 'urgent') {
    await enqueue(manager, {
      channel: 'wecom',
      to: { group: DESK_GROUP },
      template: 'ticket.submitted',
      data,
      dedupeKey: `ticket:${ticket.id}:submitted:wecom`,
      urgency,
      now,
    });
  }
  return ticket;
}

/** Loads a ticket for a change by `actor`: it must exist, be theirs to act on, and be at `version`. */
async function forChange(
  manager: EntityManager,
  ticketId: number,
  version: number | undefined,
  actor: Staff,
): Promise<Ticket> {
  const ticket = await manager.findOneBy(Ticket, { id: ticketId });
  if (!ticket || !canSeeTicket(actor, ticket)) throw new AppError('NOT_FOUND', `ticket ${ticketId}`);
  if (!canActOnTicket(actor, ticket))
    throw new AppError('FORBIDDEN', `${actor.staffNo} may not act on ticket ${ticket.refNo}`);
  if (version !== undefined && ticket.version !== version)
    throw new AppError('CONFLICT', `ticket ${ticket.refNo} is at version ${ticket.version}, not ${version}`);
  return ticket;
}

/** Only the person who claimed it answers, escalates or resolves it (admins may step in). */
function mustBeAssignee(ticket: Ticket, actor: Staff): void {
  if (ticket.assigneeStaffId !== actor.id && actor.role !== 'admin')
    throw new AppError('ILLEGAL_TRANSITION', `ticket ${ticket.refNo} is not claimed by ${actor.staffNo}`);
}

function mustBeIn(ticket: Ticket, statuses: readonly TicketStatus[]): void {
  if (!statuses.includes(ticket.status))
    throw new AppError('ILLEGAL_TRANSITION', `ticket ${ticket.refNo} is ${ticket.status}`);
}

/** Saves the changes only if the version is still the one read. */
async function commitChange(
  manager: EntityManager,
  ticket: Ticket,
  changes: Partial<Omit<Ticket, 'photos'>>,
  now: Date,
): Promise<Ticket> {
  const result = await manager.update(
    Ticket,
    { id: ticket.id, version: ticket.version },
    { ...changes, version: ticket.version + 1, updatedAt: now },
  );
  if (result.affected !== 1) throw new AppError('CONFLICT', `ticket ${ticket.refNo} changed meanwhile`);
  return manager.findOneByOrFail(Ticket, { id: ticket.id });
}

/**
 * Moves the SLA due times on by the working time the clock stood still (waiting for the engineer).
 * What remained before the pause remains after it.
 */
async function resumedDues(
  manager: EntityManager,
  ticket: Ticket,
  timeZone: string,
  now: Date,
): Promise<Pick<Ticket, 'firstResponseDueAt' | 'resolutionDueAt' | 'slaPausedAt' | 'slaAlerts'>> {
  const pausedAt = ticket.slaPausedAt ?? now;
  const calendar = await workingCalendar(manager, timeZone);
  const shift = (due: Date) =>
    addWorkingMinutes(now, workingMinutesBetween(pausedAt, due, calendar), calendar);
  return {
    firstResponseDueAt: ticket.firstResponseAt ? ticket.firstResponseDueAt : shift(ticket.firstResponseDueAt),
    resolutionDueAt: shift(ticket.resolutionDueAt),
    slaPausedAt: null,
    slaAlerts: 0,
  };
}

interface ActionProps {
  readonly manager: EntityManager;
  readonly ticketId: number;
  readonly version: number;
  readonly actor: Staff;
  readonly now: Date;
}

/** Takes a new ticket at the actor's tier; exactly one of several people claiming at once wins. */
export async function claimTicket(props: Omit<ActionProps, 'version'>): Promise<Ticket> {
  const { manager, actor, now } = props;
  const ticket = await forChange(manager, props.ticketId, undefined, actor);
  if (ticket.status !== 'new') throw new AppError('CONFLICT', `ticket ${ticket.refNo} was already claimed`);
  const result = await manager
    .createQueryBuilder()
    .update(Ticket)
    .set({ status: 'claimed', assigneeStaffId: actor.id, version: () => 'version + 1', updatedAt: now })
    // Tier and department too: the ticket may have moved between tiers since it was read.
    .where('id = :id AND status = :status AND assignee_staff_id IS NULL AND tier = :tier', {
      id: ticket.id,
      status: 'new',
      tier: ticket.tier,
    })
    .andWhere(ticket.departmentId === null ? 'department_id IS NULL' : 'department_id = :department', {
      department: ticket.departmentId,
    })
    .execute();
  if (result.affected !== 1) throw new AppError('CONFLICT', `ticket ${ticket.refNo} was claimed meanwhile`);
  const claimed = await manager.findOneByOrFail(Ticket, { id: ticket.id });
  await addMessage(manager, claimed, 'claimed', actor, now, { isInternal: true });
  return claimed;
}

/**
 * An answer to the engineer — text, photos (storage keys) or both — pushed to them at once; the first
 * one stops the first-response clock.
 */
export async function replyToTicket(
  props: ActionProps & { readonly body: string; readonly photos?: readonly string[] },
): Promise<Ticket> {
  const { manager, actor, now } = props;
  const body = props.body.trim();
  const photos = props.photos ?? [];
  if ((body === '' && photos.length === 0) || body.length > 2000 || photos.length > MAX_TICKET_PHOTOS)
    throw new AppError('VALIDATION_FAILED', 'reply', { params: { detail: 'reply' } });
  const ticket = await forChange(manager, props.ticketId, props.version, actor);
  mustBeIn(ticket, ['claimed', 'waiting']);
  mustBeAssignee(ticket, actor);
  const updated = await commitChange(
    manager,
    ticket,
    { firstResponseAt: ticket.firstResponseAt ?? now },
    now,
  );
  await addMessage(manager, updated, 'reply', actor, now, { body: body || null, photos });
  await tellEngineer(manager, updated, 'reply', body, now, photos);
  return updated;
}

/** Asks the engineer for more; the SLA clock stops until they answer in WeCom. */
export async function requestMoreInfo(props: ActionProps & { readonly body: string }): Promise<Ticket> {
  const { manager, actor, now } = props;
  const body = props.body.trim();
  if (body === '' || body.length > 2000)
    throw new AppError('VALIDATION_FAILED', 'request', { params: { detail: 'request' } });
  const ticket = await forChange(manager, props.ticketId, props.version, actor);
  mustBeIn(ticket, ['claimed']);
  mustBeAssignee(ticket, actor);
  const updated = await commitChange(
    manager,
    ticket,
    { status: 'waiting', slaPausedAt: now, firstResponseAt: ticket.firstResponseAt ?? now },
    now,
  );
  await addMessage(manager, updated, 'request', actor, now, { body });
  await tellEngineer(manager, updated, 'request', body, now);
  return updated;
}

/** Hands a claimed tier-2 ticket to a tier-3 department with a note; its on-duty members get an SMS. */
export async function escalateTicket(
  props: ActionProps & { readonly departmentId: number; readonly note: string },
): Promise<Ticket> {
  const { manager, actor, now } = props;
  const note = props.note.trim();
  if (note === '' || note.length > 2000)
    throw new AppError('VALIDATION_FAILED', 'note', { params: { detail: 'note' } });
  const ticket = await forChange(manager, props.ticketId, props.version, actor);
  if (ticket.tier !== 2) throw new AppError('ILLEGAL_TRANSITION', `ticket ${ticket.refNo} is at tier 3`);
  mustBeIn(ticket, ['claimed']);
  mustBeAssignee(ticket, actor);
  const department = await manager.findOneBy(Department, { id: props.departmentId, kind: 'tier3' });
  const handlers = department ? await departmentHandlersToAlert(manager, department.id) : [];
  if (!department || handlers.length === 0)
    throw new AppError('VALIDATION_FAILED', 'department', { params: { detail: 'department' } });
  const updated = await commitChange(
    manager,
    ticket,
    {
      tier: 3,
      departmentId: department.id,
      status: 'new',
      assigneeStaffId: null,
      escalatedByStaffId: actor.id,
      // The department gets its own reminders; breaches already reported are not repeated.
      slaAlerts: ticket.slaAlerts & ~(SLA_ALERT.firstResponseReminder | SLA_ALERT.resolutionReminder),
    },
    now,
  );
  await addMessage(manager, updated, 'escalated', actor, now, { body: note, isInternal: true });
  await handOver(manager, updated, handlers, 'escalated', actor.name, note, now);
  await tellEngineer(manager, updated, 'escalated', department.name, now);
  return updated;
}

/** Tier 3 sends a ticket back to the desk (to whoever escalated it, if they are still active). */
export async function sendBackTicket(props: ActionProps & { readonly note: string }): Promise<Ticket> {
  const { manager, actor, now } = props;
  const note = props.note.trim();
  if (note === '' || note.length > 2000)
    throw new AppError('VALIDATION_FAILED', 'note', { params: { detail: 'note' } });
  const ticket = await forChange(manager, props.ticketId, props.version, actor);
  if (ticket.tier !== 3) throw new AppError('ILLEGAL_TRANSITION', `ticket ${ticket.refNo} is at tier 2`);
  mustBeIn(ticket, ['new', 'claimed']);
  const back =
    ticket.escalatedByStaffId === null
      ? null
      : await manager.findOneBy(Staff, { id: ticket.escalatedByStaffId, isActive: true });
  const updated = await commitChange(
    manager,
    ticket,
    { tier: 2, status: back ? 'claimed' : 'new', assigneeStaffId: back?.id ?? null },
    now,
  );
  await addMessage(manager, updated, 'returned', actor, now, { body: note, isInternal: true });
  await handOver(manager, updated, back ? [back] : { group: DESK_GROUP }, 'returned', actor.name, note, now);
  return updated;
}

/** Resolves a ticket, optionally with a last answer; the engineer can confirm (已解决) or reopen (未解决). */
export async function resolveTicket(props: ActionProps & { readonly body: string }): Promise<Ticket> {
  const { manager, actor, now } = props;
  const body = props.body.trim().slice(0, 2000);
  const ticket = await forChange(manager, props.ticketId, props.version, actor);
  mustBeIn(ticket, ['claimed', 'waiting']);
  mustBeAssignee(ticket, actor);
  const updated = await commitChange(
    manager,
    ticket,
    {
      status: 'resolved',
      resolvedAt: now,
      slaPausedAt: null,
      firstResponseAt: ticket.firstResponseAt ?? now,
    },
    now,
  );
  await addMessage(manager, updated, 'resolved', actor, now, { body: body || null });
  await tellEngineer(manager, updated, 'resolved', body, now);
  return updated;
}

/**
 * More from the engineer (text or photos sent in WeCom outside any flow): goes into the thread; a ticket
 * waiting for them goes back to its handler with the SLA clock running again.
 */
export async function addEngineerMessage(props: {
  readonly manager: EntityManager;
  readonly ticket: Ticket;
  readonly engineer: Staff;
  readonly text: string | null;
  readonly photos: readonly string[];
  readonly timeZone: string;
  readonly now: Date;
}): Promise<Ticket> {
  const { manager, ticket, engineer, now } = props;
  if (ticket.reporterId !== engineer.id) throw new AppError('FORBIDDEN', 'not the reporter');
  const resumed = ticket.status === 'waiting' ? await resumedDues(manager, ticket, props.timeZone, now) : {};
  const updated = await commitChange(
    manager,
    ticket,
    ticket.status === 'waiting' ? { status: 'claimed', ...resumed } : {},
    now,
  );
  const text = props.text?.trim().slice(0, 2000) || null;
  await addMessage(manager, updated, 'engineer', engineer, now, { body: text, photos: props.photos });
  // Whoever handles it hears of it (one SMS per message: the version is in the dedupe key).
  const to = await currentHandlers(manager, updated);
  await handOver(manager, updated, to, 'engineer', engineer.name, text ?? '[photo]', now);
  return updated;
}

/** 已解决: the engineer confirms; the ticket is archived at once. */
export async function confirmResolved(props: {
  readonly manager: EntityManager;
  readonly ticket: Ticket;
  readonly engineer: Staff;
  readonly now: Date;
}): Promise<Ticket> {
  const { manager, ticket, engineer, now } = props;
  if (ticket.reporterId !== engineer.id) throw new AppError('FORBIDDEN', 'not the reporter');
  mustBeIn(ticket, ['resolved', 'claimed', 'waiting']);
  const updated = await commitChange(
    manager,
    ticket,
    { status: 'archived', resolvedAt: ticket.resolvedAt ?? now, archivedAt: now, slaPausedAt: null },
    now,
  );
  await addMessage(manager, updated, 'confirmed', engineer, now);
  return updated;
}

/** 未解决 after a resolution: back to whoever handled it, with a fresh resolution target. */
export async function reopenByEngineer(props: {
  readonly manager: EntityManager;
  readonly ticket: Ticket;
  readonly engineer: Staff;
  readonly reason: string;
  readonly timeZone: string;
  readonly now: Date;
}): Promise<Ticket> {
  const { manager, ticket, engineer, now } = props;
  if (ticket.reporterId !== engineer.id) throw new AppError('FORBIDDEN', 'not the reporter');
  mustBeIn(ticket, ['resolved']);
  const handler =
    ticket.assigneeStaffId === null
      ? null
      : await manager.findOneBy(Staff, { id: ticket.assigneeStaffId, isActive: true });
  const calendar = await workingCalendar(manager, props.timeZone);
  const targets = await targetsFor(manager, ticket.kind, ticket.priority);
  const updated = await commitChange(
    manager,
    ticket,
    {
      status: handler ? 'claimed' : 'new',
      assigneeStaffId: handler?.id ?? null,
      resolvedAt: null,
      reopenCount: ticket.reopenCount + 1,
      resolutionDueAt: addWorkingMinutes(now, targets.resolution, calendar),
      slaAlerts: 0,
    },
    now,
  );
  const reason = props.reason.trim().slice(0, 2000);
  await addMessage(manager, updated, 'reopened', engineer, now, { body: reason || null });
  await handOver(
    manager,
    updated,
    await currentHandlers(manager, updated),
    'reopened',
    engineer.name,
    reason,
    now,
  );
  return updated;
}

/** Archives a resolved ticket the engineer did not confirm (the archive job). */
export async function archiveTicket(manager: EntityManager, ticket: Ticket, now: Date): Promise<boolean> {
  const result = await manager.update(
    Ticket,
    { id: ticket.id, version: ticket.version, status: 'resolved' },
    { status: 'archived', archivedAt: now, version: ticket.version + 1, updatedAt: now },
  );
  if (result.affected !== 1) return false;
  await addMessage(manager, ticket, 'archived', null, now);
  return true;
}
