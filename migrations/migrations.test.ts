import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { migrationStatus, revertLastMigration, runPendingMigrations } from '../bot/src/db/migrations';
import { SettingEntry } from '../bot/src/features/settings';
import { createTestDatabase, openDataSource, type TestDatabase } from '../bot/test/support';
import { allMigrations } from '.';

const TABLES = ['job_lock', 'setting'];

describe('migrations', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDataSource(database.config, { migrate: false });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const tableExists = (name: string) => dataSource.createQueryRunner().hasTable(name);

  it('lists every migration file in index.ts, named <epoch-ms>-<PascalVerbNoun>.ts', () => {
    const files = readdirSync(__dirname).filter((file) => /^\d{13}-.+\.ts$/.test(file));
    const listed = allMigrations.map((migration) => migration.name);
    expect(files.length).toBe(allMigrations.length);
    for (const file of files) {
      const [, stamp, pascal] = /^(\d{13})-([A-Z][A-Za-z]+)\.ts$/.exec(file) ?? [];
      expect(pascal).toBeDefined();
      expect(listed).toContain(`${pascal}${stamp}`);
    }
    expect(path.basename(__filename)).toBe('migrations.test.ts');
  });

  it('runs all the way up, all the way down, and up again', async () => {
    expect((await migrationStatus(dataSource)).pending.length).toBe(allMigrations.length);

    expect(await runPendingMigrations(dataSource)).toHaveLength(allMigrations.length);
    for (const table of TABLES) expect(await tableExists(table)).toBe(true);
    expect(await migrationStatus(dataSource)).toMatchObject({ pending: [], unknown: [] });
    expect(await runPendingMigrations(dataSource)).toEqual([]);

    for (let i = 0; i < allMigrations.length; i += 1) {
      expect(await revertLastMigration(dataSource)).toBeDefined();
    }
    expect(await revertLastMigration(dataSource)).toBeUndefined();
    for (const table of TABLES) expect(await tableExists(table)).toBe(false);

    await runPendingMigrations(dataSource);
    expect((await migrationStatus(dataSource)).applied).toHaveLength(allMigrations.length);
  });

  it('stores Chinese text and emoji intact, and timestamps in UTC with milliseconds', async () => {
    const value = { text: '光猫注册失败 👷‍♂️ <]]>' };
    const at = new Date('2026-11-21T16:05:06.789Z');
    await dataSource.manager.save(SettingEntry, {
      key: 'test.unicode',
      value,
      updatedAt: at,
      updatedBy: '工号0001',
    });
    const row = await dataSource.manager.findOneByOrFail(SettingEntry, { key: 'test.unicode' });
    expect(row.value).toEqual(value);
    expect(row.updatedBy).toBe('工号0001');
    expect(row.updatedAt.toISOString()).toBe(at.toISOString());
  });
});
