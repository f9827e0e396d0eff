/**
 * Which SQL dialect a connection speaks. Kept apart from data-source.ts (which loads every entity and
 * migration) so that low-level helpers used by entities' own features can ask without an import cycle.
 */
import type { DataSource } from 'typeorm';

/** True for MySQL/MariaDB (mysql2), false for SQLite. */
export function isMysql(dataSource: DataSource): boolean {
  return dataSource.options.type === 'mysql';
}
