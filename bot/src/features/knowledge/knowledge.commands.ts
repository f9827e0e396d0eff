/**
 * Writing the field handbook. Every command runs in the caller's transaction and re-indexes the entry in
 * it, so the search index never disagrees with the entries. Changes carry the version they were made
 * against: two editors saving at once cannot both win (the second gets CONFLICT and nothing changes).
 */
import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../db/raw-sql';
import { AppError } from '../../errors';
import { KbEntry } from './kb-entry.entity';
import { checkKbEntry, type KbEntryInput, type KbProblem } from './knowledge.schema';
import { reindexKbEntry } from './knowledge.search';

function invalid(problems: readonly KbProblem[]): AppError {
  return new AppError('VALIDATION_FAILED', `kb entry: ${problems.map((p) => p.key).join(', ')}`, {
    params: { detail: [...new Set(problems.map((problem) => problem.field))].join(', ') },
    details: { problems },
  });
}

function validated(input: KbEntryInput): KbEntryInput {
  const checked = checkKbEntry(input);
  if (!checked.ok) throw invalid(checked.problems);
  return checked.value;
}

async function ensureTitleFree(manager: EntityManager, title: string, exceptId?: number): Promise<void> {
  const holder = await manager.findOneBy(KbEntry, { title });
  if (holder && holder.id !== exceptId)
    throw invalid([{ field: 'title', key: 'kb.error.titleTaken', params: { title } }]);
}

/** Two writers racing for one title: the unique index decides, and the loser hears it as a taken title. */
async function titleGuarded<T>(title: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error))
      throw invalid([{ field: 'title', key: 'kb.error.titleTaken', params: { title } }]);
    throw error;
  }
}

export interface CreateKbEntryProps {
  readonly manager: EntityManager;
  readonly input: KbEntryInput;
  /** Staff number, or `cli:<user>` for imports. */
  readonly author: string;
  readonly now: Date;
}

/** Adds an entry (searchable at once if published). VALIDATION_FAILED lists every problem. */
export async function createKbEntry(props: CreateKbEntryProps): Promise<KbEntry> {
  const { manager, now } = props;
  const value = validated(props.input);
  await ensureTitleFree(manager, value.title);
  const entry = await titleGuarded(value.title, () =>
    manager.save(
      manager.create(KbEntry, {
        title: value.title,
        body: value.body,
        tags: [...value.tags],
        photos: [...value.photos],
        isPublished: value.isPublished,
        author: props.author.slice(0, 64),
        createdAt: now,
        updatedAt: now,
        version: 1,
      }),
    ),
  );
  await reindexKbEntry(manager, entry);
  return entry;
}

export interface UpdateKbEntryProps {
  readonly manager: EntityManager;
  readonly id: number;
  /** The version the change was made against (the form's hidden field). */
  readonly version: number;
  readonly changes: Partial<KbEntryInput>;
  readonly now: Date;
}

/**
 * Changes an entry if nobody changed it since `version` (else CONFLICT, nothing written), and re-indexes
 * it: an unpublished entry drops out of search at once.
 */
export async function updateKbEntry(props: UpdateKbEntryProps): Promise<KbEntry> {
  const { manager, now } = props;
  const current = await manager.findOneBy(KbEntry, { id: props.id });
  if (!current) throw new AppError('NOT_FOUND', `kb entry ${props.id}`);
  if (current.version !== props.version)
    throw new AppError(
      'CONFLICT',
      `kb entry ${current.id} is at version ${current.version}, not ${props.version}`,
    );
  const value = validated({
    title: props.changes.title ?? current.title,
    body: props.changes.body ?? current.body,
    tags: props.changes.tags ?? current.tags,
    photos: props.changes.photos ?? current.photos,
    isPublished: props.changes.isPublished ?? current.isPublished,
  });
  if (value.title !== current.title) await ensureTitleFree(manager, value.title, current.id);
  const result = await titleGuarded(value.title, () =>
    manager.update(
      KbEntry,
      { id: current.id, version: current.version },
      {
        title: value.title,
        body: value.body,
        tags: [...value.tags],
        photos: [...value.photos],
        isPublished: value.isPublished,
        updatedAt: now,
        version: current.version + 1,
      },
    ),
  );
  if (result.affected !== 1) throw new AppError('CONFLICT', `kb entry ${current.id} changed meanwhile`);
  const updated = await manager.findOneByOrFail(KbEntry, { id: current.id });
  await reindexKbEntry(manager, updated);
  return updated;
}

export interface ImportOutcome {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Each entry created or changed, with its state before (for the audit log). */
  readonly changes: ReadonlyArray<{ readonly entry: KbEntry; readonly before: KbEntry | null }>;
}

/**
 * Upserts entries by title (the importer's files and rows, already validated): new titles are created,
 * existing ones get the new body, tags and published state and keep their photos.
 */
export async function importKbEntries(props: {
  readonly manager: EntityManager;
  readonly entries: readonly Omit<KbEntryInput, 'photos'>[];
  readonly author: string;
  readonly now: Date;
}): Promise<ImportOutcome> {
  const { manager, now } = props;
  let unchanged = 0;
  const changes: Array<{ entry: KbEntry; before: KbEntry | null }> = [];
  for (const entry of props.entries) {
    const value = validated({ ...entry, photos: [] });
    const existing = await manager.findOneBy(KbEntry, { title: value.title });
    if (!existing) {
      changes.push({
        entry: await createKbEntry({ manager, input: value, author: props.author, now }),
        before: null,
      });
    } else if (
      existing.body === value.body &&
      existing.isPublished === value.isPublished &&
      JSON.stringify(existing.tags) === JSON.stringify(value.tags)
    ) {
      unchanged += 1;
    } else {
      const updated = await updateKbEntry({
        manager,
        id: existing.id,
        version: existing.version,
        changes: { body: value.body, tags: value.tags, isPublished: value.isPublished },
        now,
      });
      changes.push({ entry: updated, before: existing });
    }
  }
  return {
    created: changes.filter((change) => change.before === null).length,
    updated: changes.filter((change) => change.before !== null).length,
    unchanged,
    changes,
  };
}
