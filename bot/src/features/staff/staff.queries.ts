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
