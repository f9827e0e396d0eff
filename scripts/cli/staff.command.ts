import { readFile, writeFile } from 'node:fs/promises';
import { inTransaction } from '../../bot/src/db/transaction';
import { endSessionsFor } from '../../bot/src/features/accounts';
import { recordAudit } from '../../bot/src/features/audit';
import {
  deactivateStaff,
  exportRoster,
  importRoster,
  parseRoster,
  Staff,
  validateRosterFields,
} from '../../bot/src/features/staff';
import { t } from '../../bot/src/i18n';
import { cliActor, UsageError, type CliCommand } from './command';

export const rosterImportCommand: CliCommand = {
  name: 'roster:import',
  summary: 'Import or update staff from a CSV roster (staff_no,name,phone,role,department,groups)',
  usage: [
    'fieldline roster:import <file.csv> [--skip-invalid]',
    '  Validates every row first and lists every error; imports nothing if a row is bad,',
    '  unless --skip-invalid (then the good rows are imported and the bad ones reported).',
    '  Upserts by staff number; never changes a WeCom binding. groups: duty-group keys separated by ;',
  ].join('\n'),
  async run(args, { out, err, migratedDatabase }) {
    const file = args.find((arg) => !arg.startsWith('--'));
    const skipInvalid = args.includes('--skip-invalid');
    if (!file || args.some((arg) => arg.startsWith('--') && arg !== '--skip-invalid'))
      throw new UsageError('expected a CSV file');
    const { rows, errors } = parseRoster(await readFile(file, 'utf8'));
    for (const error of errors) err(`row ${error.row}: ${t('en-US', error.key, error.params)}`);
    if (errors.length > 0 && !skipInvalid) {
      err(`Nothing imported: ${new Set(errors.map((error) => error.row)).size} row(s) have errors.`);
      return 1;
    }
    const dataSource = await migratedDatabase();
    const outcome = await inTransaction(dataSource, (manager) =>
      importRoster({
        manager,
        rows,
        actor: cliActor(),
        onProgress: (done, total) => err(`… ${done}/${total}`),
      }),
    );
    out(
      `Imported ${rows.length} row(s): ${outcome.created} created, ${outcome.updated} updated, ${outcome.unchanged} unchanged` +
        (errors.length > 0
          ? `; ${new Set(errors.map((error) => error.row)).size} invalid row(s) skipped.`
          : '.'),
    );
    return 0;
  },
};

export const rosterExportCommand: CliCommand = {
  name: 'roster:export',
  summary: 'Write the roster as CSV (the format roster:import reads)',
  usage: 'fieldline roster:export [file.csv]   (standard output without a file)',
  async run(args, { out, migratedDatabase }) {
    if (args.length > 1) throw new UsageError('at most one file');
    const csv = await exportRoster((await migratedDatabase()).manager);
    if (args[0]) {
      await writeFile(args[0], `\ufeff${csv}`, 'utf8'); // BOM: spreadsheets then read it as UTF-8
      out(`Wrote ${csv.trim().split('\n').length - 1} staff to ${args[0]}.`);
    } else {
      out(csv.trimEnd());
    }
    return 0;
  },
};

function flag(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

export const userAddCommand: CliCommand = {
  name: 'user:add',
  summary: 'Add one staff member',
  usage:
    'fieldline user:add --staff-no <no> --name <name> --phone <phone> --role <engineer|tier2|tier3|manager|admin> [--department <name>] [--groups a;b]',
  async run(args, { out, err, migratedDatabase }) {
    const fields = ['--staff-no', '--name', '--phone', '--role', '--department', '--groups'].map(
      (name) => flag(args, name) ?? '',
    );
    const row = validateRosterFields(0, fields);
    if (Array.isArray(row)) {
      for (const error of row) err(t('en-US', error.key, error.params));
      return 64;
    }
    const dataSource = await migratedDatabase();
    if (await dataSource.manager.existsBy(Staff, { staffNo: row.staffNo })) {
      err(`Staff number ${row.staffNo} already exists (use roster:import to change it).`);
      return 1;
    }
    await inTransaction(dataSource, async (manager) => {
      await importRoster({ manager, rows: [row], actor: cliActor() });
      await recordAudit({
        manager,
        actor: cliActor(),
        action: 'staff.create',
        recordType: 'staff',
        recordId: row.staffNo,
        after: row,
      });
    });
    out(`Added ${row.staffNo} ${row.name} (${row.role}).`);
    return 0;
  },
};

export const userDeactivateCommand: CliCommand = {
  name: 'user:deactivate',
  summary: 'Deactivate a staff member: their WeCom access ends at once',
  usage: 'fieldline user:deactivate <staff_no>',
  async run(args, { out, err, migratedDatabase }) {
    const [staffNo] = args;
    if (!staffNo || args.length !== 1) throw new UsageError('expected one staff number');
    const dataSource = await migratedDatabase();
    const staff = await dataSource.manager.findOneBy(Staff, { staffNo });
    const deactivated =
      staff !== null &&
      (await inTransaction(dataSource, async (manager) => {
        if (!(await deactivateStaff({ manager, staffId: staff.id }))) return false;
        await endSessionsFor(manager, staff.id);
        await recordAudit({
          manager,
          actor: cliActor(),
          action: 'staff.deactivate',
          recordType: 'staff',
          recordId: staff.id,
          before: { isActive: true },
          after: { isActive: false },
        });
        return true;
      }));
    if (!deactivated) {
      err(
        (await dataSource.manager.existsBy(Staff, { staffNo }))
          ? `${staffNo} is already deactivated.`
          : `No staff number ${staffNo}.`,
      );
      return 1;
    }
    out(`Deactivated ${staffNo}.`);
    return 0;
  },
};
