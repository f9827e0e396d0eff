import type { EntityManager, EntityTarget } from 'typeorm';

/** A table of counters keyed by prefix (e.g. `YH20261130`), one row per prefix. */
interface Counter {
  prefix: string;
  lastValue: number;
}

/**
 * The next value of a per-prefix counter, safe under concurrency on SQLite and MySQL/MariaDB alike: the
 * row is created if missing, advanced with a single guarded `UPDATE … SET last_value = last_value + 1`
 * (which takes the row lock on MySQL), then read back inside the same transaction.
 */
export async function nextCounterValue(
  manager: EntityManager,
  table: EntityTarget<Counter>,
  prefix: string,
): Promise<number> {
  await manager
    .createQueryBuilder()
    .insert()
    .into(table)
    .values({ prefix, lastValue: 0 })
    .orIgnore()
    .execute();
  await manager
    .createQueryBuilder()
    .update(table)
    .set({ lastValue: () => 'last_value + 1' })
    .where({ prefix })
    .execute();
  const { lastValue } = await manager.findOneByOrFail(table, { prefix });
  return lastValue;
}

/** `PREFIX` + local day + `-` + 4 digits: YH20261130-0007. */
export function formatRefNo(prefix: string, value: number): string {
  return `${prefix}-${String(value).padStart(4, '0')}`;
}
