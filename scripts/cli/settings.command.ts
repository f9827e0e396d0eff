import { recordAudit } from '../../bot/src/features/audit';
import {
  findSettingDefinition,
  listSettingDefinitions,
  putSetting,
  readSetting,
  resetSetting,
} from '../../bot/src/features/settings';
import { inTransaction } from '../../bot/src/db/transaction';
import { AppError } from '../../bot/src/errors';
import { cliActor, UsageError, type CliCommand } from './command';

export const settingsListCommand: CliCommand = {
  name: 'settings:list',
  summary: 'List runtime settings (categories, reminders, quiet hours…) with their current values',
  usage: 'fieldline settings:list',
  async run(args, { out, migratedDatabase, services }) {
    if (args.length > 0) throw new UsageError('settings:list takes no arguments');
    const dataSource = await migratedDatabase();
    await services(); // every feature declares its settings when it is loaded
    for (const definition of listSettingDefinitions()) {
      const current = await readSetting(dataSource.manager, definition);
      const origin = current.isStored
        ? `set by ${current.updatedBy ?? '?'} at ${current.updatedAt?.toISOString() ?? '?'}`
        : 'default';
      out(`${definition.key} — ${definition.description}`);
      out(`  ${JSON.stringify(current.value)}  (${origin})`);
    }
    return 0;
  },
};

export const settingsSetCommand: CliCommand = {
  name: 'settings:set',
  summary: 'Change a runtime setting; the value is JSON and is validated (audited)',
  usage: `fieldline settings:set <key> '<json>'   e.g. settings:set report.reminders '{"deskAfterMinutes":30,"managerAfterMinutes":120}'`,
  async run(args, { out, err, migratedDatabase, services }) {
    const [key, json] = args;
    if (key === undefined || json === undefined || args.length > 2)
      throw new UsageError('expected a key and a JSON value');
    const dataSource = await migratedDatabase();
    await services();
    const definition = findSettingDefinition(key);
    if (!definition) {
      err(
        `No setting "${key}". Known: ${listSettingDefinitions()
          .map((known) => known.key)
          .join(', ')}`,
      );
      return 1;
    }
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      err(`The value is not JSON: ${json}`);
      return 1;
    }
    try {
      await inTransaction(dataSource, async (manager) => {
        const before = await readSetting(manager, definition);
        await putSetting({ manager, definition, value, actor: cliActor() });
        await recordAudit({
          manager,
          actor: cliActor(),
          action: 'settings.set',
          recordType: 'setting',
          recordId: key,
          before: { value: before.value },
          after: { value },
          ip: null,
        });
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'VALIDATION_FAILED') {
        err(`Not a valid value for ${key}: ${String(error.params.detail ?? error.message)}`);
        return 1;
      }
      throw error;
    }
    out(`${key} = ${JSON.stringify(value)}`);
    return 0;
  },
};

export const settingsResetCommand: CliCommand = {
  name: 'settings:reset',
  summary: 'Return a runtime setting to its default (audited)',
  usage: 'fieldline settings:reset <key>',
  async run(args, { out, err, migratedDatabase, services }) {
    const [key] = args;
    if (key === undefined || args.length > 1) throw new UsageError('expected exactly one key');
    const dataSource = await migratedDatabase();
    await services();
    const definition = findSettingDefinition(key);
    if (!definition) {
      err(`No setting "${key}".`);
      return 1;
    }
    await inTransaction(dataSource, async (manager) => {
      const before = await readSetting(manager, definition);
      await resetSetting({ manager, definition });
      await recordAudit({
        manager,
        actor: cliActor(),
        action: 'settings.reset',
        recordType: 'setting',
        recordId: key,
        before: { value: before.value },
        after: { value: definition.defaultValue },
        ip: null,
      });
    });
    out(`${key} reset to ${JSON.stringify(definition.defaultValue)}`);
    return 0;
  },
};
