/**
 * Turning handbook text into search terms, the same way for entries and queries, on every database.
 *
 * Chinese has no spaces, and the ICU dictionary behind `Intl.Segmenter` does not know the trade's words
 * (光猫, 机顶盒 and 宽带 come out as single characters). So a text yields two kinds of terms:
 *  - the segmenter's word-like segments, lower-cased: ASCII words and numbers (LOID, 691, iptv, 27dbm and
 *    its parts 27/dbm) and Chinese words of three characters or more;
 *  - every pair of adjacent Chinese characters (bigrams). A two-character word is always one of them, and
 *    a query with a typo or an extra character (光猫注册失败了吧, 机顶盒无信信号) still shares most of its
 *    bigrams with the entry it is after.
 * Single Chinese characters are not terms: they are in nearly every entry and would make the index
 * several times larger for almost no ranking value.
 */

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;
/** A Chinese character, spaces, a Chinese character: what a query's spaces between words look like. */
const SPACE_BETWEEN_HAN = /(\p{Script=Han})\s+(?=\p{Script=Han})/gu;

/** The column is varchar(64); longer tokens (URLs, serial numbers run together) are not useful terms. */
export const MAX_TERM_LENGTH = 64;
/** A query's terms beyond this many add nothing but cost. */
export const MAX_QUERY_TERMS = 32;

function normalise(text: string): string {
  // NFKC folds full-width letters and digits (ＩＰＴＶ, ６９１) into their ASCII forms.
  return text.normalize('NFKC').toLowerCase();
}

function add(counts: Map<string, number>, term: string): void {
  if (term.length === 0 || term.length > MAX_TERM_LENGTH) return;
  counts.set(term, (counts.get(term) ?? 0) + 1);
}

/**
 * The terms of a text with how often each occurs. `query: true` also joins Chinese characters separated
 * only by spaces (`光猫 注册失败` finds an entry titled 光猫注册失败).
 */
function countTerms(text: string, options: { readonly query?: boolean } = {}): Map<string, number> {
  let normalised = normalise(text);
  if (options.query) normalised = normalised.replace(SPACE_BETWEEN_HAN, '$1');
  const counts = new Map<string, number>();
  for (const { segment, isWordLike } of segmenter.segment(normalised)) {
    if (!isWordLike) continue;
    if (HAN.test(segment)) {
      // Two-character words are bigrams already (below); longer ones are extra evidence.
      if ([...segment].length >= 3) add(counts, segment);
      continue;
    }
    if (segment.length >= 2 || /^\d$/.test(segment)) add(counts, segment);
    // 27dbm also answers to 27 and to dbm.
    const parts = segment.match(/\d+|[a-z]+/g) ?? [];
    if (parts.length > 1)
      for (const part of parts) if (part.length >= 2 || /^\d$/.test(part)) add(counts, part);
  }
  for (const [run] of normalised.matchAll(HAN_RUN)) {
    const chars = [...run];
    for (let index = 0; index + 1 < chars.length; index += 1)
      add(counts, `${chars[index]}${chars[index + 1]}`);
  }
  return counts;
}

/** The distinct terms of a query, in the order they occur, at most {@link MAX_QUERY_TERMS}. */
export function queryTerms(query: string): string[] {
  return [...countTerms(query, { query: true }).keys()].slice(0, MAX_QUERY_TERMS);
}

/** Where a term occurs weighs differently: a title says what an entry is about, tags are chosen labels. */
export const FIELD_WEIGHTS = { title: 3, tags: 2, body: 1 } as const;
/** BM25's term-frequency saturation and length normalisation (body only), with a fixed reference length. */
const K1 = 1.2;
const B = 0.5;
const REFERENCE_BODY_LENGTH = 400;

function saturated(tf: number, lengthFactor = 1): number {
  return (tf * (K1 + 1)) / (tf + K1 * lengthFactor);
}

/**
 * The weight of every term of an entry: title, tags and body contributions added up, each saturating
 * with repetition, so an entry that merely repeats a word does not outrank one whose title is about it.
 */
export function entryTermWeights(entry: {
  readonly title: string;
  readonly body: string;
  readonly tags: readonly string[];
}): Map<string, number> {
  const title = countTerms(entry.title);
  const tags = countTerms(entry.tags.join(' '));
  const body = countTerms(entry.body);
  const lengthFactor = 1 - B + B * (entry.body.length / REFERENCE_BODY_LENGTH);
  const weights = new Map<string, number>();
  for (const term of new Set([...title.keys(), ...tags.keys(), ...body.keys()])) {
    const weight =
      FIELD_WEIGHTS.title * saturated(title.get(term) ?? 0) +
      FIELD_WEIGHTS.tags * saturated(tags.get(term) ?? 0) +
      FIELD_WEIGHTS.body * saturated(body.get(term) ?? 0, lengthFactor);
    weights.set(term, Math.round(weight * 1000) / 1000);
  }
  return weights;
}
