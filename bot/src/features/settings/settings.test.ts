import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { inTransaction } from '../../db/transaction';
import { useTestDatabase } from '../../../test/support';
import {
  defineSetting,
  listSettingDefinitions,
  putSetting,
  readSetting,
  resetSetting,
  SettingEntry,
} from '.';

const hazardCategories = defineSetting({
  key: 'test.hazardCategories',
  description: 'Hazard categories offered to engineers',
  schema: z.array(z.string().min(1)).min(1),
  defaultValue: ['线路', '杆路', '箱体/光交'],
});

describe('settings', () => {
  const db = useTestDatabase();

  it('returns the default until a value is stored, then the stored value with who set it', async () => {
    const { dataSource } = db();
    expect(await readSetting(dataSource.manager, hazardCategories)).toMatchObject({
      value: ['线路', '杆路', '箱体/光交'],
      isStored: false,
    });
    const change = await inTransaction(dataSource, (manager) =>
      putSetting({ manager, definition: hazardCategories, value: ['线路', '用电安全'], actor: 'A0001' }),
    );
    expect(change).toEqual({ before: undefined, after: ['线路', '用电安全'] });
    expect(await readSetting(dataSource.manager, hazardCategories)).toMatchObject({
      value: ['线路', '用电安全'],
      isStored: true,
      updatedBy: 'A0001',
    });
  });

  it('refuses an invalid value with VALIDATION_FAILED and keeps the old one', async () => {
    const { dataSource } = db();
    await expect(
      inTransaction(dataSource, (manager) =>
        putSetting({ manager, definition: hazardCategories, value: [], actor: 'A0001' }),
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await readSetting(dataSource.manager, hazardCategories)).value).toEqual(['线路', '用电安全']);
  });

  it('falls back to the default when a stored value no longer validates, and after a reset', async () => {
    const { dataSource } = db();
    await dataSource.manager.update(SettingEntry, { key: hazardCategories.key }, { value: 'not a list' });
    expect(await readSetting(dataSource.manager, hazardCategories)).toMatchObject({
      value: hazardCategories.defaultValue,
      isStored: false,
    });
    await inTransaction(dataSource, (manager) => resetSetting({ manager, definition: hazardCategories }));
    expect(await dataSource.manager.existsBy(SettingEntry, { key: hazardCategories.key })).toBe(false);
  });

  it('refuses duplicate and badly named definitions', () => {
    expect(() => defineSetting({ ...hazardCategories })).toThrow(/defined twice/);
    expect(() => defineSetting({ ...hazardCategories, key: 'Bad Key' })).toThrow(/dotted camelCase/);
    expect(listSettingDefinitions().map((definition) => definition.key)).toContain('test.hazardCategories');
  });
});
