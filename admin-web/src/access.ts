/**
 * Access control, in one place. Roles map to capabilities; every route declares the capability it needs
 * (router.ts), and record-level rules live here: tier-3 sees only its own department, managers read
 * everything and change nothing, admins manage everything, engineers have no web access at all.
 */
import { canActOnReport, type Report, type ReportFilter } from '../../bot/src/features/report';
import type { Role, Staff } from '../../bot/src/features/staff';

export type Capability =
  | 'home'
  | 'account'
  | 'roster.read'
  | 'roster.write'
  | 'duty.read'
  | 'duty.switch'
  | 'outbox.read'
  | 'outbox.retry'
  | 'audit.read'
  | 'reports.read'
  | 'reports.act'
  | 'reports.stats'
  | 'kb.read'
  | 'kb.write'
  | 'tickets.read'
  | 'tickets.act'
  | 'tickets.stats'
  | 'completions.read'
  | 'completions.act'
  | 'completions.stats'
  | 'ratings.review'
  | 'ratings.self'
  | 'ratings.rate'
  | 'quiz.read'
  | 'quiz.write'
  | 'points.read'
  | 'broadcast.read'
  | 'broadcast.write';

const GRANTS: Readonly<Record<Role, readonly Capability[]>> = {
  engineer: [],
  tier2: [
    'home',
    'account',
    'roster.read',
    'duty.read',
    'duty.switch',
    'reports.read',
    'reports.act',
    'reports.stats',
    'tickets.read',
    'tickets.act',
    'tickets.stats',
    'completions.read',
    'completions.act',
    'completions.stats',
    'kb.read',
    'kb.write',
    // Reads the bank (to answer engineers about a question); DESIGN §1: admins maintain it.
    'quiz.read',
    'ratings.self',
    'ratings.rate',
    'broadcast.read',
    'broadcast.write',
  ],
  tier3: [
    'home',
    'account',
    'roster.read',
    'duty.read',
    'duty.switch',
    'reports.read',
    'reports.act',
    'tickets.read',
    'tickets.act',
    'kb.read',
    'ratings.self',
    'ratings.rate',
  ],
  manager: [
    'home',
    'account',
    'roster.read',
    'duty.read',
    'outbox.read',
    'audit.read',
    'reports.read',
    'reports.stats',
    'tickets.read',
    'tickets.stats',
    'completions.read',
    'completions.stats',
    'kb.read',
    'ratings.review',
    'quiz.read',
    'points.read',
    'broadcast.read',
  ],
  admin: [
    'home',
    'account',
    'roster.read',
    'roster.write',
    'duty.read',
    'duty.switch',
    'outbox.read',
    'outbox.retry',
    'audit.read',
    'reports.read',
    'reports.act',
    'reports.stats',
    'tickets.read',
    'tickets.act',
    'tickets.stats',
    'completions.read',
    'completions.act',
    'completions.stats',
    'kb.read',
    'kb.write',
    'ratings.review',
    'ratings.rate',
    'quiz.read',
    'quiz.write',
    'points.read',
    'broadcast.read',
    'broadcast.write',
  ],
};

export function can(user: Staff, capability: Capability): boolean {
  return GRANTS[user.role].includes(capability);
}

/** Tier-3 is scoped to its own department (null: no department → nobody); others see everyone. */
export function departmentScope(user: Staff): number | null | undefined {
  return user.role === 'tier3' ? user.departmentId : undefined;
}

export function canSeeStaff(user: Staff, staff: Staff): boolean {
  if (!can(user, 'roster.read')) return false;
  const scope = departmentScope(user);
  return scope === undefined || (scope !== null && staff.departmentId === scope);
}

/** Admins switch anyone; desk staff switch only themselves. */
export function canSwitchDuty(user: Staff, memberStaffId: number): boolean {
  if (!can(user, 'duty.switch')) return false;
  return user.role === 'admin' || user.id === memberStaffId;
}

/** Tier-3 sees only the reports assigned to it or its department; everyone else with reports.read sees all. */
export function reportScope(user: Staff): ReportFilter['scope'] {
  return user.role === 'tier3' ? { departmentId: user.departmentId, staffId: user.id } : undefined;
}

export function canSeeReport(user: Staff, report: Report): boolean {
  if (!can(user, 'reports.read')) return false;
  return user.role !== 'tier3' || canActOnReport(user, report);
}

/** Managers read and do not act; tier-3 acts only on what was assigned to it. */
export function canActOn(user: Staff, report: Report): boolean {
  return can(user, 'reports.act') && canActOnReport(user, report);
}
