import type { EntityManager } from 'typeorm';
import { DutyGroup } from './duty-group.entity';
import { DutyGroupMember } from './duty-group-member.entity';
import { Staff } from './staff.entity';

export function findStaffById(manager: EntityManager, id: number): Promise<Staff | null> {
  return manager.findOneBy(Staff, { id });
}

export function findStaffByWecomUser(manager: EntityManager, wecomUserId: string): Promise<Staff | null> {
  return manager.findOneBy(Staff, { wecomUserId });
}

export interface GroupRecipients {
  readonly group: DutyGroup;
  /** Active members on duty; all active members when nobody is on duty. */
  readonly members: ReadonlyArray<{ readonly staff: Staff; readonly isOnDuty: boolean }>;
  /** True when nobody was on duty and everyone is being reached instead. */
  readonly isFallbackToAll: boolean;
}

/** Who an alert to duty group `key` reaches now; undefined if there is no such group. */
export async function resolveGroupRecipients(
  manager: EntityManager,
  key: string,
): Promise<GroupRecipients | undefined> {
  const group = await manager.findOneBy(DutyGroup, { key });
  if (!group) return undefined;
  const rows = await manager
    .createQueryBuilder(DutyGroupMember, 'member')
    .innerJoinAndMapOne('member.staff', Staff, 'staff', 'staff.id = member.staff_id')
    .where('member.group_id = :groupId', { groupId: group.id })
    .andWhere('staff.is_active = :active', { active: true })
    .orderBy('staff.id')
    .getMany();
  const members = rows.map((row) => ({
    staff: (row as DutyGroupMember & { staff: Staff }).staff,
    isOnDuty: row.isOnDuty,
  }));
  const onDuty = members.filter((member) => member.isOnDuty);
  return onDuty.length > 0
    ? { group, members: onDuty, isFallbackToAll: false }
    : { group, members, isFallbackToAll: members.length > 0 };
}

/** Of these staff, the ones on duty in at least one duty group. */
export async function onDutyStaffIds(
  manager: EntityManager,
  staffIds: readonly number[],
): Promise<Set<number>> {
  if (staffIds.length === 0) return new Set();
  const rows = await manager
    .createQueryBuilder(DutyGroupMember, 'm')
    .select('m.staff_id', 'staffId')
    .where('m.is_on_duty = :on', { on: true })
    .andWhere('m.staff_id IN (:...ids)', { ids: staffIds })
    .getRawMany<{ staffId: number }>();
  return new Set(rows.map((row) => Number(row.staffId)));
}

/** Staff records by id (for showing names next to references), as a map. */
export async function staffByIds(
  manager: EntityManager,
  ids: Iterable<number | null>,
): Promise<Map<number, Staff>> {
  const wanted = [...new Set([...ids].filter((id): id is number => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await manager
    .createQueryBuilder(Staff, 's')
    .where('s.id IN (:...wanted)', { wanted })
    .getMany();
  return new Map(rows.map((person) => [person.id, person]));
}

/** Active desk and back-end staff (tier-2, tier-3): the people work can be assigned to, by name. */
export function listHandlers(manager: EntityManager): Promise<Staff[]> {
  return manager
    .createQueryBuilder(Staff, 's')
    .where('s.is_active = :active', { active: true })
    .andWhere('s.role IN (:...roles)', { roles: ['tier2', 'tier3'] })
    .orderBy('s.name', 'ASC')
    .limit(500)
    .getMany();
}

/**
 * Who to alert in a department that work was handed to: its active tier-2/tier-3 handlers who are on
 * duty in some duty group, or all of them when nobody is on duty (work must never go unannounced).
 * Empty when the department has no handlers at all.
 */
export async function departmentHandlersToAlert(
  manager: EntityManager,
  departmentId: number,
): Promise<Staff[]> {
  const members = (await manager.findBy(Staff, { departmentId, isActive: true })).filter(
    (member) => member.role === 'tier3' || member.role === 'tier2',
  );
  const onDuty = await onDutyStaffIds(
    manager,
    members.map((member) => member.id),
  );
  const chosen = members.filter((member) => onDuty.has(member.id));
  return chosen.length > 0 ? chosen : members;
}

/** The active managers of an area (department) — who hears of a report or ticket left too long there. */
export function areaManagers(manager: EntityManager, areaId: number | null): Promise<Staff[]> {
  if (areaId === null) return Promise.resolve([]);
  return manager.findBy(Staff, { role: 'manager', departmentId: areaId, isActive: true });
}
