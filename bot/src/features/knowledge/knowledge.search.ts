/**
 * The handbook's search index and ranking, in plain SQL that SQLite and MySQL/MariaDB run alike, so
 * that any number of instances share one index and agree on the answers.
 *
 * Indexing writes one `kb_term` row per distinct term of a published entry (its weight: title, tags and
 * body, see knowledge.terms.ts) and keeps each term's document frequency in `kb_term_stat`. A search
 * reads the frequencies of the query terms (→ BM25's idf) by key, then asks for the sum of weight × idf
 * per entry over the heaviest postings of its rarest terms, best first. Entries that match too small a
 * part of the query (by idf mass) are left out, so that a query sharing only a common word with the
 * handbook finds nothing rather than noise.
 */
import { In, type EntityManager } from 'typeorm';
import { isMysql } from '../../db/dialect';
import { KbEntry } from './kb-entry.entity';
import { KbTerm } from './kb-term.entity';
import { entryTermWeights, queryTerms } from './knowledge.terms';

/** Rows per INSERT: well under SQLite's and MySQL's limits on bound parameters. */
const INSERT_CHUNK = 300;
/** An entry must carry at least this share of the query's idf mass (at weight 1) to be a match. */
const MIN_MATCH_SHARE = 0.25;
/** The heaviest postings read per query term. */
const POSTING_CAP = 500;
/** The rarest query terms ranked with (the rest add little but cost). */
const MAX_RANKED_TERMS = 10;
export const DEFAULT_SEARCH_LIMIT = 10;
export const MAX_SEARCH_LIMIT = 50;

/** The `kb_term_stat` row that counts indexed (published) entries rather than a term's postings. */
const ENTRY_COUNT_TERM = '';

const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += INSERT_CHUNK)
    out.push(items.slice(start, start + INSERT_CHUNK));
  return out;
}

/** Adds `delta` to the document frequency of each term (a missing row counts as 0). */
async function adjustFrequencies(
  manager: EntityManager,
  terms: readonly string[],
  delta: 1 | -1,
): Promise<void> {
  // Sorted: concurrent re-indexing then locks shared rows in one order (no deadlock between them).
  for (const chunk of chunks([...terms].sort())) {
    if (delta < 0) {
      await manager.query(
        `UPDATE kb_term_stat SET df = df - 1 WHERE term IN (${placeholders(chunk.length)})`,
        chunk,
      );
      continue;
    }
    // One upsert per chunk; the two dialects only spell it differently.
    const onConflict = isMysql(manager.connection)
      ? 'ON DUPLICATE KEY UPDATE df = df + 1'
      : 'ON CONFLICT (term) DO UPDATE SET df = df + 1';
    await manager.query(
      `INSERT INTO kb_term_stat (term, df) VALUES ${chunk.map(() => '(?, 1)').join(', ')} ${onConflict}`,
      chunk,
    );
  }
}

/**
 * Rewrites the index rows of one entry, in the caller's transaction: its terms when it is published,
 * none when it is not (so a search can only ever find published entries), and the document frequencies
 * of the terms it gained or lost.
 */
export async function reindexKbEntry(manager: EntityManager, entry: KbEntry): Promise<number> {
  const before = new Set(
    (
      await manager.query<Array<{ term: string }>>('SELECT term FROM kb_term WHERE entry_id = ?', [entry.id])
    ).map((row) => row.term),
  );
  const weights = entry.isPublished ? entryTermWeights(entry) : new Map<string, number>();
  await manager.query('DELETE FROM kb_term WHERE entry_id = ?', [entry.id]);
  for (const chunk of chunks([...weights])) {
    await manager.query(
      `INSERT INTO kb_term (entry_id, term, weight) VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}`,
      chunk.flatMap(([term, weight]) => [entry.id, term, weight]),
    );
  }
  const gained = [...weights.keys()].filter((term) => !before.has(term));
  const lost = [...before].filter((term) => !weights.has(term));
  if (before.size === 0 && weights.size > 0) gained.push(ENTRY_COUNT_TERM);
  if (before.size > 0 && weights.size === 0) lost.push(ENTRY_COUNT_TERM);
  await adjustFrequencies(manager, gained, 1);
  await adjustFrequencies(manager, lost, -1);
  return weights.size;
}

/** BM25's idf: rare terms count for much, terms in most entries for little (never negative). */
function idf(total: number, df: number): number {
  return Math.log(1 + Math.max(0, total - df + 0.5) / (df + 0.5));
}

/** The best-matching published entries' ids with their scores, best first. */
async function rankKbEntries(
  manager: EntityManager,
  query: string,
  limit: number,
): Promise<Array<{ entryId: number; score: number }>> {
  const terms = queryTerms(query);
  if (terms.length === 0) return [];
  const stats = await manager.query<Array<{ term: string; df: number | string }>>(
    `SELECT term, df FROM kb_term_stat WHERE term IN (${placeholders(terms.length + 1)})`,
    [...terms, ENTRY_COUNT_TERM],
  );
  const frequencies = new Map(stats.map((row) => [row.term, Number(row.df)]));
  const total = frequencies.get(ENTRY_COUNT_TERM) ?? 0;
  // Terms no entry has still count in the query's mass: a query mostly about something the handbook
  // does not cover should not be answered by what little it shares with it.
  const mass = terms.reduce((sum, term) => sum + idf(total, frequencies.get(term) ?? 0), 0);
  const ranked = terms
    .filter((term) => (frequencies.get(term) ?? 0) > 0)
    .map((term) => ({ term, idf: idf(total, frequencies.get(term) ?? 0) }))
    .sort((a, b) => b.idf - a.idf)
    .slice(0, MAX_RANKED_TERMS);
  if (ranked.length === 0) return [];
  // Each term contributes its POSTING_CAP heaviest postings (idx_kb_term_impact reads them in that
  // order): the work per query is bounded however common a term is, and entries whose title or tags
  // carry a term come first in its list.
  const postings = ranked
    .map(
      (_term, index) =>
        `SELECT entry_id, weight * ? AS part FROM (SELECT entry_id, weight FROM kb_term WHERE term = ? ORDER BY weight DESC LIMIT ${POSTING_CAP}) p${index}`,
    )
    .join(' UNION ALL ');
  const rows = await manager.query<Array<{ entryId: number | string; score: number | string }>>(
    `SELECT entry_id AS entryId, SUM(part) AS score FROM (${postings}) matches
       GROUP BY entry_id HAVING score >= ? ORDER BY score DESC, entry_id DESC LIMIT ?`,
    [...ranked.flatMap((item) => [item.idf, item.term]), mass * MIN_MATCH_SHARE, limit],
  );
  return rows.map((row) => ({ entryId: Number(row.entryId), score: Number(row.score) }));
}

/**
 * Searches the handbook: published entries only, best first, each with its score. Works identically on
 * SQLite and MySQL/MariaDB; ranking happens in the database, so every instance gives the same answer.
 */
export async function searchKnowledge(
  manager: EntityManager,
  query: string,
  options: { limit?: number } = {},
): Promise<Array<{ entry: KbEntry; score: number }>> {
  const limit = Math.min(Math.max(1, Math.floor(options.limit ?? DEFAULT_SEARCH_LIMIT)), MAX_SEARCH_LIMIT);
  const ranked = await rankKbEntries(manager, query, limit);
  if (ranked.length === 0) return [];
  const entries = await manager.findBy(KbEntry, {
    id: In(ranked.map((row) => row.entryId)),
    isPublished: true,
  });
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  return ranked.flatMap(({ entryId, score }) => {
    const entry = byId.get(entryId);
    return entry ? [{ entry, score }] : [];
  });
}

/** How many index rows there are (the bench and tests report it). */
export function countKbTerms(manager: EntityManager): Promise<number> {
  return manager.count(KbTerm);
}
