/**
 * Migration status and execution, shared by start-up, `/readyz` and `fieldline migrate`.
 */
import { type DataSource, MigrationExecutor } from 'typeorm';
import { withNamedLock } from './locks';

export interface MigrationStatus {
  readonly applied: readonly string[];
  readonly pending: readonly string[];
  /** Applied in the database but unknown to this code (the database is newer than the code). */
  readonly unknown: readonly string[];
}

export async function migrationStatus(dataSource: DataSource): Promise<MigrationStatus> {
  const executor = new MigrationExecutor(dataSource);
  // Class names end in their epoch-ms timestamp, which is also their order.
  const known = dataSource.migrations
    .map((migration) => migration.name ?? migration.constructor.name)
    .sort((a, b) => Number(a.slice(-13)) - Number(b.slice(-13)));
  const applied = (await executor.getExecutedMigrations())
    .map((migration) => migration.name)
    .sort((a, b) => Number(a.slice(-13)) - Number(b.slice(-13)));
  const appliedSet = new Set(applied);
  const knownSet = new Set(known);
  return {
    applied: applied.filter((name) => knownSet.has(name)),
    pending: known.filter((name) => !appliedSet.has(name)),
    unknown: applied.filter((name) => !knownSet.has(name)),
  };
}

/**
 * Applies pending migrations, each in its own transaction, holding a cross-instance lock so that
 * several instances starting together do not race. Returns the names applied.
 */
export async function runPendingMigrations(dataSource: DataSource): Promise<string[]> {
  return withNamedLock(dataSource, 'migrate', 120, async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  });
}

/** Reverts the most recent migration; returns its name, or undefined when nothing is applied. */
export async function revertLastMigration(dataSource: DataSource): Promise<string | undefined> {
  return withNamedLock(dataSource, 'migrate', 120, async () => {
    const before = await migrationStatus(dataSource);
    const last = before.applied.at(-1);
    if (last === undefined) return undefined;
    await dataSource.undoLastMigration({ transaction: 'each' });
    return last;
  });
}
