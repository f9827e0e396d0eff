/**
 * The roster: the staff list as a CSV file (`staff_no,name,phone,role,department,groups`, groups
 * separated by `;`). Import validates every row first and reports every error with its row number;
 * nothing is imported while any row is bad (unless the caller chooses to skip bad rows). It upserts by
 * staff number and never touches a WeCom binding; duty-group memberships follow the file (on-duty
 * switches of kept memberships are kept). Built for 10,000-row files: bulk reads and chunked inserts in
 * one transaction.
 */
import { In, type EntityManager } from 'typeorm';
import type { MessageKey, MessageParams } from '../../i18n';
import { formatCsv, parseCsv } from './csv';
import { Department, type DepartmentKind } from './department.entity';
import { DutyGroup } from './duty-group.entity';
import { DutyGroupMember } from './duty-group-member.entity';
import { toE164 } from './phone';
import { ROLES, Staff, type Role } from './staff.entity';

export const ROSTER_HEADER = ['staff_no', 'name', 'phone', 'role', 'department', 'groups'] as const;
const STAFF_NO = /^[A-Za-z0-9_-]{1,32}$/;
const GROUP_KEY = /^[a-z0-9][a-z0-9-]{0,63}$/;
const CHUNK = 200;

export interface RosterRow {
  /** Row number in the file (the header is row 1). */
  readonly row: number;
  readonly staffNo: string;
  readonly name: string;
  readonly phone: string;
  readonly role: Role;
  readonly department: string;
  readonly groups: readonly string[];
}

/** A problem with one row, as a catalog message (shown in the web in the reader's language). */
export interface RosterError {
  readonly row: number;
  readonly key: MessageKey;
  readonly params: MessageParams;
}

export interface ParsedRoster {
  readonly rows: RosterRow[];
  readonly errors: RosterError[];
}

/** Validates one row's fields; returns the row or every problem found in it. */
export function validateRosterFields(row: number, fields: readonly string[]): RosterRow | RosterError[] {
  if (fields.length !== ROSTER_HEADER.length) {
    return [
      {
        row,
        key: 'roster.error.columns',
        params: { expected: ROSTER_HEADER.join(','), found: fields.length },
      },
    ];
  }
  const errors: RosterError[] = [];
  const problem = (key: MessageKey, params: MessageParams = {}) => errors.push({ row, key, params });
  const [staffNo = '', name = '', rawPhone = '', rawRole = '', department = '', rawGroups = ''] = fields.map(
    (field) => field.trim(),
  );
  if (!STAFF_NO.test(staffNo)) problem('roster.error.staffNo', { value: staffNo });
  if (name === '' || name.length > 64) problem('roster.error.name');
  const phone = toE164(rawPhone);
  if (!phone) problem('roster.error.phone', { value: rawPhone });
  const role = rawRole.toLowerCase();
  if (!(ROLES as readonly string[]).includes(role))
    problem('roster.error.role', { value: rawRole, roles: ROLES.join(', ') });
  if (department.length > 64) problem('roster.error.department');
  const groups =
    rawGroups === ''
      ? []
      : rawGroups
          .split(';')
          .map((group) => group.trim())
          .filter(Boolean);
  for (const group of groups) if (!GROUP_KEY.test(group)) problem('roster.error.group', { value: group });
  if (errors.length > 0) return errors;
  return {
    row,
    staffNo,
    name,
    phone: phone ?? '',
    role: role as Role,
    department,
    groups: [...new Set(groups)],
  };
}

/** Parses and validates a whole roster file. */
export function parseRoster(text: string): ParsedRoster {
  let records;
  try {
    records = parseCsv(text);
  } catch (error) {
    return {
      rows: [],
      errors: [{ row: 0, key: 'roster.error.csv', params: { detail: (error as Error).message } }],
    };
  }
  const [header, ...body] = records;
  const expected = ROSTER_HEADER.join(',');
  if (!header || header.fields.map((field) => field.trim().toLowerCase()).join(',') !== expected) {
    return { rows: [], errors: [{ row: 1, key: 'roster.error.header', params: { header: expected } }] };
  }
  const rows: RosterRow[] = [];
  const errors: RosterError[] = [];
  const seen = new Map<string, number>();
  for (const record of body) {
    const result = validateRosterFields(record.line, record.fields);
    if (Array.isArray(result)) {
      errors.push(...result);
      continue;
    }
    const earlier = seen.get(result.staffNo);
    if (earlier !== undefined) {
      errors.push({
        row: record.line,
        key: 'roster.error.duplicate',
        params: { staffNo: result.staffNo, row: earlier },
      });
      continue;
    }
    seen.set(result.staffNo, record.line);
    rows.push(result);
  }
  return { rows, errors };
}

export interface ImportOutcome {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
}

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function ensureDepartments(
  manager: EntityManager,
  rows: readonly RosterRow[],
  now: Date,
): Promise<Map<string, number>> {
  const wanted = new Map<string, DepartmentKind>();
  for (const row of rows)
    if (row.department !== '') wanted.set(row.department, row.role === 'tier3' ? 'tier3' : 'area');
  const existing = await manager.find(Department);
  const ids = new Map(existing.map((department) => [department.name, department.id]));
  const missing = [...wanted].filter(([name]) => !ids.has(name));
  for (const part of chunks(missing)) {
    await manager.insert(
      Department,
      part.map(([name, kind]) => ({ name, kind, createdAt: now })),
    );
  }
  if (missing.length > 0)
    for (const department of await manager.find(Department)) ids.set(department.name, department.id);
  return ids;
}

async function ensureGroups(
  manager: EntityManager,
  rows: readonly RosterRow[],
  now: Date,
): Promise<Map<string, number>> {
  const wanted = new Set(rows.flatMap((row) => row.groups));
  const existing = await manager.find(DutyGroup);
  const ids = new Map(existing.map((group) => [group.key, group.id]));
  const missing = [...wanted].filter((key) => !ids.has(key));
  for (const part of chunks(missing)) {
    await manager.insert(
      DutyGroup,
      part.map((key) => ({ key, name: key, description: null, createdAt: now })),
    );
  }
  if (missing.length > 0) for (const group of await manager.find(DutyGroup)) ids.set(group.key, group.id);
  return ids;
}

/**
 * Upserts valid roster rows by staff number (call inside a transaction). Bindings and the active flag of
 * existing staff are left as they are; new staff start active.
 */
export async function importRoster(props: {
  readonly manager: EntityManager;
  readonly rows: readonly RosterRow[];
  readonly actor: string;
  readonly now?: Date;
  readonly onProgress?: (done: number, total: number) => void;
}): Promise<ImportOutcome> {
  const { manager, rows } = props;
  const now = props.now ?? new Date();
  const departments = await ensureDepartments(manager, rows, now);
  const groups = await ensureGroups(manager, rows, now);
  const existing = new Map<string, Staff>();
  for (const part of chunks(rows, 500)) {
    for (const staff of await manager.findBy(Staff, { staffNo: In(part.map((row) => row.staffNo)) }))
      existing.set(staff.staffNo, staff);
  }

  let done = 0;
  const report = () => props.onProgress?.(done, rows.length);
  const departmentOf = (row: RosterRow) =>
    row.department === '' ? null : (departments.get(row.department) ?? null);
  const fresh = rows.filter((row) => !existing.has(row.staffNo));
  for (const part of chunks(fresh)) {
    await manager.insert(
      Staff,
      part.map((row) => ({
        staffNo: row.staffNo,
        name: row.name,
        phone: row.phone,
        email: null,
        role: row.role,
        departmentId: departmentOf(row),
        isActive: true,
        language: 'zh-CN',
        wecomUserId: null,
        createdAt: now,
        updatedAt: now,
      })),
    );
    done += part.length;
    if (done % 1000 < part.length) report();
  }
  const changed = new Set<number>();
  for (const row of rows) {
    const staff = existing.get(row.staffNo);
    if (!staff) continue;
    const departmentId = departmentOf(row);
    if (
      staff.name !== row.name ||
      staff.phone !== row.phone ||
      staff.role !== row.role ||
      staff.departmentId !== departmentId
    ) {
      await manager.update(
        Staff,
        { id: staff.id },
        { name: row.name, phone: row.phone, role: row.role, departmentId, updatedAt: now },
      );
      changed.add(staff.id);
    }
    done += 1;
    if (done % 1000 === 0) report();
  }

  // Memberships follow the file.
  const ids = new Map<string, number>();
  for (const part of chunks(rows, 500)) {
    const found = await manager.find(Staff, {
      where: { staffNo: In(part.map((row) => row.staffNo)) },
      select: { id: true, staffNo: true },
    });
    for (const staff of found) ids.set(staff.staffNo, staff.id);
  }
  const current: DutyGroupMember[] = [];
  for (const part of chunks([...ids.values()], 500))
    current.push(...(await manager.findBy(DutyGroupMember, { staffId: In(part) })));
  const memberKey = (groupId: number | undefined, staffId: number | undefined) => `${groupId}:${staffId}`;
  const currentKeys = new Set(current.map((member) => memberKey(member.groupId, member.staffId)));
  const wanted = new Set(
    rows.flatMap((row) => row.groups.map((group) => memberKey(groups.get(group), ids.get(row.staffNo)))),
  );
  const toAdd = [...wanted]
    .filter((key) => !currentKeys.has(key))
    .map((key) => key.split(':').map(Number) as [number, number]);
  const toRemove = current.filter((member) => !wanted.has(memberKey(member.groupId, member.staffId)));
  for (const part of chunks(toAdd)) {
    await manager.insert(
      DutyGroupMember,
      part.map(([groupId, staffId]) => ({
        groupId,
        staffId,
        isOnDuty: false,
        onDutyChangedAt: now,
        onDutyChangedBy: props.actor,
      })),
    );
  }
  for (const part of chunks(toRemove, 500))
    await manager.delete(DutyGroupMember, { id: In(part.map((member) => member.id)) });
  // A staff member whose only change was a group still counts as updated.
  for (const [, staffId] of toAdd) changed.add(staffId);
  for (const member of toRemove) changed.add(member.staffId);
  const updated = [...existing.values()].filter((staff) => changed.has(staff.id)).length;
  report();
  return { created: fresh.length, updated, unchanged: rows.length - fresh.length - updated };
}

/** The whole roster as CSV, sorted by staff number (the same format import reads). */
export async function exportRoster(manager: EntityManager): Promise<string> {
  const [staff, departments, groups, members] = await Promise.all([
    manager.find(Staff, { order: { staffNo: 'ASC' } }),
    manager.find(Department),
    manager.find(DutyGroup),
    manager.find(DutyGroupMember),
  ]);
  const departmentName = new Map(departments.map((department) => [department.id, department.name]));
  const groupKey = new Map(groups.map((group) => [group.id, group.key]));
  const groupsOf = new Map<number, string[]>();
  for (const member of members)
    groupsOf.set(member.staffId, [
      ...(groupsOf.get(member.staffId) ?? []),
      groupKey.get(member.groupId) ?? '',
    ]);
  return formatCsv([
    [...ROSTER_HEADER],
    ...staff.map((person) => [
      person.staffNo,
      person.name,
      person.phone ?? '',
      person.role,
      person.departmentId === null ? '' : (departmentName.get(person.departmentId) ?? ''),
      (groupsOf.get(person.id) ?? []).sort().join(';'),
    ]),
  ]);
}
