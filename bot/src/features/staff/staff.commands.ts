import type { EntityManager } from 'typeorm';
import { AppError } from '../../errors';
import { Department } from './department.entity';
import { DutyGroup } from './duty-group.entity';
import { DutyGroupMember } from './duty-group-member.entity';
import { Staff, type Role } from './staff.entity';

export interface CreateStaffProps {
  readonly manager: EntityManager;
  readonly staffNo: string;
  readonly name: string;
  readonly role: Role;
  readonly phone?: string | null;
  readonly email?: string | null;
  readonly wecomUserId?: string | null;
  readonly departmentId?: number | null;
  readonly language?: string;
  readonly now?: Date;
}

/** Adds a staff record. The roster import and user:add (staff issue) build on this. */
export async function createStaff(props: CreateStaffProps): Promise<Staff> {
  const now = props.now ?? new Date();
  return props.manager.save(
    props.manager.create(Staff, {
      staffNo: props.staffNo,
      name: props.name,
      role: props.role,
      phone: props.phone ?? null,
      email: props.email ?? null,
      wecomUserId: props.wecomUserId ?? null,
      departmentId: props.departmentId ?? null,
      language: props.language ?? 'zh-CN',
      isActive: true,
      createdAt: now,
      updatedAt: now,
    }),
  );
}

/** Creates a duty group if it does not exist yet; returns it either way. */
export async function ensureDutyGroup(props: {
  readonly manager: EntityManager;
  readonly key: string;
  readonly name: string;
  readonly description?: string;
}): Promise<DutyGroup> {
  const existing = await props.manager.findOneBy(DutyGroup, { key: props.key });
  if (existing) return existing;
  return props.manager.save(
    props.manager.create(DutyGroup, {
      key: props.key,
      name: props.name,
      description: props.description ?? null,
      createdAt: new Date(),
    }),
  );
}

/** Puts a staff member in a group (idempotent) with the given on-duty state. */
export async function setGroupMembership(props: {
  readonly manager: EntityManager;
  readonly groupId: number;
  readonly staffId: number;
  readonly isOnDuty: boolean;
  readonly actor: string;
  readonly now?: Date;
}): Promise<DutyGroupMember> {
  const { manager, groupId, staffId } = props;
  const now = props.now ?? new Date();
  const existing = await manager.findOneBy(DutyGroupMember, { groupId, staffId });
  const member =
    existing ??
    manager.create(DutyGroupMember, {
      groupId,
      staffId,
      isOnDuty: false,
      onDutyChangedAt: null,
      onDutyChangedBy: null,
    });
  if (!existing || existing.isOnDuty !== props.isOnDuty) {
    member.isOnDuty = props.isOnDuty;
    member.onDutyChangedAt = now;
    member.onDutyChangedBy = props.actor;
  }
  return manager.save(member);
}

/** Switches an existing member on or off duty. */
export async function switchOnDuty(props: {
  readonly manager: EntityManager;
  readonly groupId: number;
  readonly staffId: number;
  readonly isOnDuty: boolean;
  readonly actor: string;
  readonly now?: Date;
}): Promise<DutyGroupMember> {
  const existing = await props.manager.findOneBy(DutyGroupMember, {
    groupId: props.groupId,
    staffId: props.staffId,
  });
  if (!existing) throw new AppError('NOT_FOUND', `staff ${props.staffId} is not in group ${props.groupId}`);
  return setGroupMembership(props);
}

export interface UpdateStaffProps {
  readonly manager: EntityManager;
  readonly staffId: number;
  readonly name: string;
  /** E.164, already normalised. */
  readonly phone: string;
  readonly role: Role;
  readonly departmentName: string;
  readonly now?: Date;
}

/** Edits a staff record (never its binding); returns the record before and after, for the audit log. */
export async function updateStaff(props: UpdateStaffProps): Promise<{ before: Staff; after: Staff }> {
  const { manager } = props;
  const before = await manager.findOneBy(Staff, { id: props.staffId });
  if (!before) throw new AppError('NOT_FOUND', `staff ${props.staffId}`);
  let departmentId: number | null = null;
  if (props.departmentName !== '') {
    const existing = await manager.findOneBy(Department, { name: props.departmentName });
    departmentId =
      existing?.id ??
      (
        await manager.save(
          manager.create(Department, {
            name: props.departmentName,
            kind: props.role === 'tier3' ? 'tier3' : 'area',
            createdAt: new Date(),
          }),
        )
      ).id;
  }
  await manager.update(
    Staff,
    { id: before.id },
    {
      name: props.name,
      phone: props.phone,
      role: props.role,
      departmentId,
      updatedAt: props.now ?? new Date(),
    },
  );
  return { before, after: await manager.findOneByOrFail(Staff, { id: before.id }) };
}

/** Deactivates a staff record: WeCom access ends with their next message (the caller ends web sessions). */
export async function deactivateStaff(props: {
  readonly manager: EntityManager;
  readonly staffId: number;
  readonly now?: Date;
}): Promise<boolean> {
  const result = await props.manager.update(
    Staff,
    { id: props.staffId, isActive: true },
    { isActive: false, updatedAt: props.now ?? new Date() },
  );
  return result.affected === 1;
}
