import type { z } from 'zod';

/**
 * A setting is declared once by the feature that owns it: key, schema and default. Reads validate the
 * stored value, so a hand-edited row that no longer fits falls back to the default instead of crashing.
 */
export interface SettingDefinition<T> {
  readonly key: string;
  readonly description: string;
  readonly schema: z.ZodType<T>;
  readonly defaultValue: T;
}

const definitions = new Map<string, SettingDefinition<unknown>>();

export function defineSetting<T>(definition: SettingDefinition<T>): SettingDefinition<T> {
  if (!/^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)+$/.test(definition.key)) {
    throw new Error(`setting key "${definition.key}" must be dotted camelCase, e.g. report.hazardCategories`);
  }
  if (definitions.has(definition.key)) throw new Error(`setting "${definition.key}" is defined twice`);
  definition.schema.parse(definition.defaultValue);
  definitions.set(definition.key, definition);
  return definition;
}

export function findSettingDefinition(key: string): SettingDefinition<unknown> | undefined {
  return definitions.get(key);
}

export function listSettingDefinitions(): SettingDefinition<unknown>[] {
  return [...definitions.values()].sort((a, b) => a.key.localeCompare(b.key));
}
