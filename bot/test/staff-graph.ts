/**
 * The people a feature test works with: departments, staff (desk staff with a web password) and duty
 * groups with who is on duty — built in one call from a plain description, so a test states only its cast.
 */
import type { EntityManager } from 'typeorm';
import { setPassword } from '../src/features/accounts';
import {
  createStaff,
  Department,
  ensureDutyGroup,
  setGroupMembership,
  type DepartmentKind,
  type DutyGroup,
  type Role,
  type Staff,
} from '../src/features/staff';

/** One staff member; `department` names a key of {@link StaffGraphSpec.departments}. */
export interface PersonSpec {
  readonly name: string;
  readonly role: Role;
  readonly phone: string;
  readonly wecomUserId?: string;
  readonly department?: string;
}

export interface DutyGroupSpec {
  readonly name: string;
  /** Staff numbers. */
  readonly onDuty: readonly string[];
  /** Staff numbers of members not on duty. */
  readonly offDuty?: readonly string[];
}

export interface StaffGraphSpec {
  /** Created first, in this order. */
  readonly departments?: Readonly<Record<string, { readonly name: string; readonly kind: DepartmentKind }>>;
  /** Keyed by staff number, created in this order. */
  readonly people: Readonly<Record<string, PersonSpec>>;
  /** Keyed by duty group key; members are added on duty first, then off duty, each in list order. */
  readonly groups?: Readonly<Record<string, DutyGroupSpec>>;
  /** When given, every non-engineer gets this web password. */
  readonly password?: string;
}

export interface StaffGraph {
  readonly departments: Record<string, Department>;
  readonly people: Record<string, Staff>;
  readonly groups: Record<string, DutyGroup>;
}

/** Builds departments, staff and duty groups described by `spec` with the real staff commands. */
export async function makeStaffGraph(manager: EntityManager, spec: StaffGraphSpec): Promise<StaffGraph> {
  const graph: StaffGraph = { departments: {}, people: {}, groups: {} };
  for (const [key, { name, kind }] of Object.entries(spec.departments ?? {}))
    graph.departments[key] = await manager.save(
      manager.create(Department, { name, kind, createdAt: new Date() }),
    );
  for (const [staffNo, person] of Object.entries(spec.people)) {
    const departmentId =
      person.department === undefined ? undefined : graph.departments[person.department]?.id;
    if (person.department !== undefined && departmentId === undefined)
      throw new Error(`${staffNo}: no department "${person.department}" in the spec`);
    const staff = await createStaff({
      manager,
      staffNo,
      name: person.name,
      role: person.role,
      phone: person.phone,
      wecomUserId: person.wecomUserId ?? null,
      departmentId: departmentId ?? null,
    });
    if (spec.password !== undefined && person.role !== 'engineer')
      await setPassword({ manager, staffId: staff.id, password: spec.password });
    graph.people[staffNo] = staff;
  }
  for (const [key, { name, onDuty, offDuty = [] }] of Object.entries(spec.groups ?? {})) {
    const group = await ensureDutyGroup({ manager, key, name });
    const members = [
      ...onDuty.map((staffNo) => [staffNo, true] as const),
      ...offDuty.map((staffNo) => [staffNo, false] as const),
    ];
    for (const [staffNo, isOnDuty] of members) {
      const staff = graph.people[staffNo];
      if (!staff) throw new Error(`${key}: no staff "${staffNo}" in the spec`);
      await setGroupMembership({ manager, groupId: group.id, staffId: staff.id, isOnDuty, actor: 'test' });
    }
    graph.groups[key] = group;
  }
  return graph;
}
