/** Small statistics for the managers' views, exact over the values given. */

/**
 * The q-quantile (0..1) of ascending values with linear interpolation between neighbours (the usual
 * definition: the median of an even count is the mean of the middle two); null for no values.
 */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] ?? 0;
  const high = sorted[above] ?? low;
  return low + (high - low) * (position - below);
}

/** How a set of durations (or any values) spreads: how many, the median and the 90th percentile. */
export interface Distribution {
  readonly count: number;
  readonly median: number | null;
  readonly p90: number | null;
}

/** The count, median and 90th percentile of `values` (sorted in place), each to one decimal place. */
export function distribution(values: number[]): Distribution {
  const sorted = values.sort((a, b) => a - b);
  return {
    count: sorted.length,
    median: oneDecimal(quantile(sorted, 0.5)),
    p90: oneDecimal(quantile(sorted, 0.9)),
  };
}

/** Rounded to one decimal place (null stays null). */
export function oneDecimal(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

/** Counts of items by a key, largest first. */
export function countBy<T, K>(items: readonly T[], key: (item: T) => K): Array<[K, number]> {
  const counts = new Map<K, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/**
 * Competition ranks ("1224"): for each value, 1 + how many values are larger, so the largest ranks 1,
 * equal values share a rank and the next rank skips past them. Returned by value; one sort, then linear.
 */
export function competitionRanks(values: Iterable<number>): Map<number, number> {
  const sorted = [...values].sort((a, b) => b - a);
  const ranks = new Map<number, number>();
  sorted.forEach((value, index) => {
    if (!ranks.has(value)) ranks.set(value, index + 1);
  });
  return ranks;
}
