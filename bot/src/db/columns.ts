/**
 * Portable column shapes shared by entities and migrations, so that both dialects store the same thing:
 * DATETIME(3) in UTC on MySQL/MariaDB, the same text form on SQLite; JSON as text (no dialect JSON type).
 */
import type { ColumnOptions, ValueTransformer } from 'typeorm';
import type { TableColumnOptions } from 'typeorm/schema-builder/options/TableColumnOptions';

/** Entity-side options for a UTC timestamp with millisecond precision. */
export function datetimeColumn(name: string, options: { nullable?: boolean } = {}): ColumnOptions {
  return { name, type: 'datetime', precision: 3, nullable: options.nullable ?? false };
}

/** Migration-side twin of {@link datetimeColumn}. */
export function datetimeTableColumn(name: string, options: { nullable?: boolean } = {}): TableColumnOptions {
  return { name, type: 'datetime', precision: 3, isNullable: options.nullable ?? false };
}

/** Migration-side auto-increment integer primary key `id`. */
export function idTableColumn(): TableColumnOptions {
  return { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
}

/** Stores any JSON-serialisable value in a text column. */
export const jsonTransformer: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? null : JSON.stringify(value)),
  from: (value: string | null) => (value === null ? null : (JSON.parse(value) as unknown)),
};
