import { Brackets, type EntityManager } from 'typeorm';
import { Department } from './department.entity';
import { DutyGroup } from './duty-group.entity';
import { DutyGroupMember } from './duty-group-member.entity';
import { Staff, type Role } from './staff.entity';

export interface StaffFilter {
  readonly search?: string;
  readonly role?: Role;
  readonly departmentId?: number;
  readonly groupId?: number;
  /** Tier-3 users see only their own department. */
  readonly onlyDepartmentId?: number | null;
  readonly limit?: number;
}

export interface StaffListItem {
  readonly staff: Staff;
  readonly department: string | null;
  readonly groups: readonly string[];
}

/** The roster, filtered and with department and group names, sorted by staff number. */
export async function listStaff(
  manager: EntityManager,
  filter: StaffFilter = {},
): Promise<{ items: StaffListItem[]; total: number }> {
  const query = manager.createQueryBuilder(Staff, 's').orderBy('s.staff_no', 'ASC');
  if (filter.search) {
    const like = `%${filter.search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    query.andWhere(
      new Brackets((where) =>
        where
          .where('s.staff_no LIKE :like', { like })
          .orWhere('s.name LIKE :like', { like })
          .orWhere('s.phone LIKE :like', { like }),
      ),
    );
  }
  if (filter.role) query.andWhere('s.role = :role', { role: filter.role });
  if (filter.departmentId !== undefined)
    query.andWhere('s.department_id = :departmentId', { departmentId: filter.departmentId });
  if (filter.onlyDepartmentId !== undefined) {
    if (filter.onlyDepartmentId === null) query.andWhere('1 = 0');
    else query.andWhere('s.department_id = :only', { only: filter.onlyDepartmentId });
  }
  if (filter.groupId !== undefined) {
    query.andWhere('s.id IN (SELECT m.staff_id FROM duty_group_member m WHERE m.group_id = :groupId)', {
      groupId: filter.groupId,
    });
  }
  const total = await query.getCount();
  const staff = await query.limit(filter.limit ?? 200).getMany();
  const [departments, groups, members] = await Promise.all([
    manager.find(Department),
    manager.find(DutyGroup),
    staff.length === 0
      ? Promise.resolve([])
      : manager
          .createQueryBuilder(DutyGroupMember, 'm')
          .where('m.staff_id IN (:...ids)', { ids: staff.map((s) => s.id) })
          .getMany(),
  ]);
  const departmentName = new Map(departments.map((department) => [department.id, department.name]));
  const groupKey = new Map(groups.map((group) => [group.id, group.key]));
  return {
    total,
    items: staff.map((person) => ({
      staff: person,
      department: person.departmentId === null ? null : (departmentName.get(person.departmentId) ?? null),
      groups: members
        .filter((member) => member.staffId === person.id)
        .map((member) => groupKey.get(member.groupId) ?? '')
        .sort(),
    })),
  };
}

export function listDepartments(manager: EntityManager): Promise<Department[]> {
  return manager.find(Department, { order: { name: 'ASC' } });
}

export function findStaffByNo(manager: EntityManager, staffNo: string): Promise<Staff | null> {
  return manager.findOneBy(Staff, { staffNo });
}

export function countUnboundActiveStaff(
  manager: EntityManager,
  onlyDepartmentId?: number | null,
): Promise<number> {
  const query = manager
    .createQueryBuilder(Staff, 's')
    .where('s.wecom_user_id IS NULL')
    .andWhere('s.is_active = :active', { active: true });
  if (onlyDepartmentId !== undefined)
    query.andWhere(onlyDepartmentId === null ? '1 = 0' : 's.department_id = :only', {
      only: onlyDepartmentId,
    });
  return query.getCount();
}

export interface DutyGroupView {
  readonly group: DutyGroup;
  readonly members: ReadonlyArray<{ readonly member: DutyGroupMember; readonly staff: Staff }>;
}

/** Every duty group with its members and their on-duty state. */
export async function listDutyGroups(manager: EntityManager): Promise<DutyGroupView[]> {
  const [groups, members, staff] = await Promise.all([
    manager.find(DutyGroup, { order: { key: 'ASC' } }),
    manager.find(DutyGroupMember),
    manager.find(Staff),
  ]);
  const byId = new Map(staff.map((person) => [person.id, person]));
  return groups.map((group) => ({
    group,
    members: members
      .filter((member) => member.groupId === group.id)
      .flatMap((member) => {
        const person = byId.get(member.staffId);
        return person ? [{ member, staff: person }] : [];
      })
      .sort((a, b) => a.staff.staffNo.localeCompare(b.staff.staffNo)),
  }));
}
