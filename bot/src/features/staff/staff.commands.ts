import type { EntityManager } from 'typeorm';
import { AppError } from '../../errors';
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
