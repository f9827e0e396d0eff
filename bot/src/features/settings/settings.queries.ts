import type { EntityManager } from 'typeorm';
import { SettingEntry } from './setting.entity';
import type { SettingDefinition } from './settings.definition';

export interface SettingValue<T> {
  readonly value: T;
  /** False when the default is in effect (never set, or the stored value no longer validates). */
  readonly isStored: boolean;
  readonly updatedAt: Date | null;
  readonly updatedBy: string | null;
}

/** Reads a setting, falling back to its default when unset or invalid. */
export async function readSetting<T>(
  manager: EntityManager,
  definition: SettingDefinition<T>,
): Promise<SettingValue<T>> {
  const row = await manager.findOne(SettingEntry, { where: { key: definition.key } });
  if (!row) return { value: definition.defaultValue, isStored: false, updatedAt: null, updatedBy: null };
  const parsed = definition.schema.safeParse(row.value);
  if (!parsed.success) {
    return {
      value: definition.defaultValue,
      isStored: false,
      updatedAt: row.updatedAt,
      updatedBy: row.updatedBy,
    };
  }
  return { value: parsed.data, isStored: true, updatedAt: row.updatedAt, updatedBy: row.updatedBy };
}
