import type { EntityManager } from 'typeorm';
import { AppError } from '../../errors';
import { SettingEntry } from './setting.entity';
import type { SettingDefinition } from './settings.definition';

export interface PutSettingProps<T> {
  readonly manager: EntityManager;
  readonly definition: SettingDefinition<T>;
  readonly value: unknown;
  /** Who made the change (staff number or `cli:<user>`), kept for the audit trail. */
  readonly actor: string;
  readonly now?: Date;
}

/**
 * Validates and stores a setting. Returns the previous stored value (undefined if none) so callers can
 * record before/after in the audit log.
 */
export async function putSetting<T>(props: PutSettingProps<T>): Promise<{ before: unknown; after: T }> {
  const parsed = props.definition.schema.safeParse(props.value);
  if (!parsed.success) {
    throw new AppError('VALIDATION_FAILED', `invalid value for ${props.definition.key}`, {
      params: { detail: parsed.error.issues.map((issue) => issue.message).join('; ') },
      details: parsed.error.issues,
    });
  }
  const existing = await props.manager.findOne(SettingEntry, { where: { key: props.definition.key } });
  await props.manager.save(SettingEntry, {
    key: props.definition.key,
    value: parsed.data,
    updatedAt: props.now ?? new Date(),
    updatedBy: props.actor,
  });
  return { before: existing?.value, after: parsed.data };
}

/** Removes a stored value so the default applies again. */
export async function resetSetting(props: {
  readonly manager: EntityManager;
  readonly definition: SettingDefinition<unknown>;
}): Promise<void> {
  await props.manager.delete(SettingEntry, { key: props.definition.key });
}
