import type { EntityManager } from 'typeorm';
import { KbEntry } from './kb-entry.entity';

/** One entry, published or not (callers decide who may see drafts). */
export function findKbEntry(manager: EntityManager, id: number): Promise<KbEntry | null> {
  return manager.findOneBy(KbEntry, { id });
}

export interface KbListFilter {
  /** Drafts too (editors); published only otherwise. */
  readonly includeDrafts: boolean;
  readonly limit?: number;
  readonly offset?: number;
}

/** Entries newest first, a page at a time, with the total for paging. */
export async function listKbEntries(
  manager: EntityManager,
  filter: KbListFilter,
): Promise<{ items: KbEntry[]; total: number }> {
  const query = manager
    .createQueryBuilder(KbEntry, 'e')
    .orderBy('e.created_at', 'DESC')
    .addOrderBy('e.id', 'DESC');
  if (!filter.includeDrafts) query.where('e.is_published = :published', { published: 1 });
  const [items, total] = await query
    .limit(Math.min(filter.limit ?? 50, 200))
    .offset(filter.offset ?? 0)
    .getManyAndCount();
  return { items, total };
}

/**
 * Unpublished entries whose title contains `text`: drafts are not in the search index, so editors find
 * them by title (there are few).
 */
export function findKbDrafts(manager: EntityManager, text: string, limit = 20): Promise<KbEntry[]> {
  // `!` as the LIKE escape: a backslash would need different quoting in SQLite and MySQL.
  const pattern = `%${text.trim().replace(/[!%_]/g, (char) => `!${char}`)}%`;
  return manager
    .createQueryBuilder(KbEntry, 'e')
    .where('e.is_published = :published', { published: 0 })
    .andWhere("e.title LIKE :pattern ESCAPE '!'", { pattern })
    .orderBy('e.created_at', 'DESC')
    .limit(limit)
    .getMany();
}
