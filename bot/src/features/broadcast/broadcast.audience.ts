/**
 * Who an audience reaches: the union of everyone, roles, departments/areas and duty groups, among active
 * staff with a bound WeCom account (the only people a WeCom message can reach). Resolved once, when
 * sending starts, into article_recipient rows; and checked person by person for the `通知`/`案例` lists.
 */
import { Brackets, type EntityManager } from 'typeorm';
import { Department, DutyGroup, DutyGroupMember, Staff } from '../staff';
import type { ArticleAudience } from './article.entity';
import type { BroadcastProblem } from './broadcast.schema';

/** One person an article will go to. */
export interface AudienceMember {
  readonly staffId: number;
  readonly wecomUserId: string;
  readonly language: string;
}

/**
 * The active, WeCom-bound staff an audience reaches, ordered by language then id (batches are cut in
 * this order, one language per batch). Empty for an empty audience.
 */
export async function resolveAudience(
  manager: EntityManager,
  audience: ArticleAudience,
): Promise<AudienceMember[]> {
  const query = manager
    .createQueryBuilder(Staff, 's')
    .select('s.id', 'staffId')
    .addSelect('s.wecom_user_id', 'wecomUserId')
    .addSelect('s.language', 'language')
    .where('s.is_active = :active', { active: true })
    .andWhere('s.wecom_user_id IS NOT NULL');
  if (!audience.everyone) {
    const { roles, departmentIds, groupKeys } = audience;
    if (roles.length === 0 && departmentIds.length === 0 && groupKeys.length === 0) return [];
    query.andWhere(
      new Brackets((any) => {
        if (roles.length > 0) any.orWhere('s.role IN (:...roles)', { roles });
        if (departmentIds.length > 0)
          any.orWhere('s.department_id IN (:...departmentIds)', { departmentIds });
        if (groupKeys.length > 0)
          any.orWhere(
            `s.id IN (${manager
              .createQueryBuilder(DutyGroupMember, 'm')
              .select('m.staff_id')
              .innerJoin(DutyGroup, 'g', 'g.id = m.group_id')
              .where('g.key IN (:...groupKeys)')
              .getQuery()})`,
            { groupKeys },
          );
      }),
    );
  }
  const rows = await query
    .orderBy('s.language', 'ASC')
    .addOrderBy('s.id', 'ASC')
    .getRawMany<{ staffId: number | string; wecomUserId: string; language: string }>();
  return rows.map((row) => ({
    staffId: Number(row.staffId),
    wecomUserId: row.wecomUserId,
    language: row.language,
  }));
}

/** Whether one person belongs to an audience now (their role, department and duty groups). */
export function audienceIncludes(
  audience: ArticleAudience,
  person: { readonly role: string; readonly departmentId: number | null },
  groupKeys: ReadonlySet<string>,
): boolean {
  return (
    audience.everyone ||
    (audience.roles as readonly string[]).includes(person.role) ||
    (person.departmentId !== null && audience.departmentIds.includes(person.departmentId)) ||
    audience.groupKeys.some((key) => groupKeys.has(key))
  );
}

/** The keys of the duty groups a person is a member of. */
export async function groupKeysOf(manager: EntityManager, staffId: number): Promise<Set<string>> {
  const rows = await manager
    .createQueryBuilder(DutyGroupMember, 'm')
    .innerJoin(DutyGroup, 'g', 'g.id = m.group_id')
    .select('g.key', 'key')
    .where('m.staff_id = :staffId', { staffId })
    .getRawMany<{ key: string }>();
  return new Set(rows.map((row) => row.key));
}

/** Departments and duty groups an audience (or an SMS list) names that do not exist. */
export async function unknownAudienceParts(
  manager: EntityManager,
  audience: ArticleAudience,
  smsGroups: readonly string[],
): Promise<BroadcastProblem[]> {
  const problems: BroadcastProblem[] = [];
  if (audience.departmentIds.length > 0) {
    const found = await manager
      .createQueryBuilder(Department, 'd')
      .select('d.id', 'id')
      .where('d.id IN (:...ids)', { ids: audience.departmentIds })
      .getRawMany<{ id: number | string }>();
    const known = new Set(found.map((row) => Number(row.id)));
    const missing = audience.departmentIds.filter((id) => !known.has(id));
    if (missing.length > 0)
      problems.push({
        field: 'audience',
        key: 'broadcast.error.department',
        params: { ids: missing.join(', ') },
      });
  }
  const keys = [...new Set([...audience.groupKeys, ...smsGroups])];
  if (keys.length > 0) {
    const found = await manager
      .createQueryBuilder(DutyGroup, 'g')
      .select('g.key', 'key')
      .where('g.key IN (:...keys)', { keys })
      .getRawMany<{ key: string }>();
    const known = new Set(found.map((row) => row.key));
    const missing = keys.filter((key) => !known.has(key));
    if (missing.length > 0)
      problems.push({
        field: audience.groupKeys.some((key) => missing.includes(key)) ? 'audience' : 'smsGroups',
        key: 'broadcast.error.group',
        params: { keys: missing.join(', ') },
      });
  }
  return problems;
}
