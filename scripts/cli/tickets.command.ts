import { readFile } from 'node:fs/promises';
import { inTransaction } from '../../bot/src/db/transaction';
import { checkTicketImport, importTickets, TICKET_IMPORT_HEADER } from '../../bot/src/features/rating';
import { t } from '../../bot/src/i18n';
import { decodeUtf8 } from '../../bot/src/features/staff';
import { UsageError, type CliCommand } from './command';

/**
 * `tickets:import`: tickets handled outside Fieldline, stored as archived so the daily rating job makes
 * their rating tasks like any other archived ticket's. Validated like the roster.
 */
export const ticketsImportCommand: CliCommand = {
  name: 'tickets:import',
  summary: `Import archived tickets from outside Fieldline to be rated (${TICKET_IMPORT_HEADER.join(',')})`,
  usage: [
    'fieldline tickets:import <file.csv> [--skip-invalid]',
    `  Header: ${TICKET_IMPORT_HEADER.join(',')}`,
    '  kind: question or support; staff numbers from the roster (tier2 or tier3 at least one);',
    '  archived_at: local time (TZ), YYYY-MM-DD HH:MM. Every error is listed with its row; nothing is',
    '  imported while a row is bad, unless --skip-invalid (then the good rows are imported).',
    '  Tickets archived within rating.schedule.lookbackDays get rating tasks at the next daily run.',
  ].join('\n'),
  async run(args, { out, err, config, migratedDatabase }) {
    const file = args.find((arg) => !arg.startsWith('--'));
    const skipInvalid = args.includes('--skip-invalid');
    if (!file || args.some((arg) => arg.startsWith('--') && arg !== '--skip-invalid'))
      throw new UsageError('expected a CSV file');
    // Strictly UTF-8: Excel's plain "CSV" is GBK on Chinese Windows, and reading that leniently would
    // import garbled names and questions.
    const text = decodeUtf8(await readFile(file));
    if (text === undefined) {
      err(`Nothing imported: ${file} is not UTF-8 (in Excel, save it as "CSV UTF-8 (Comma delimited)").`);
      return 1;
    }
    const dataSource = await migratedDatabase();
    const { rows, errors } = await checkTicketImport({
      manager: dataSource.manager,
      text,
      timeZone: config().timeZone,
    });
    for (const error of errors) err(`row ${error.row}: ${t('en-US', error.key, error.params)}`);
    const badRows = new Set(errors.map((error) => error.row)).size;
    if (errors.length > 0 && !skipInvalid) {
      err(`Nothing imported: ${badRows} row(s) have errors.`);
      return 1;
    }
    const imported = await inTransaction(dataSource, (manager) =>
      importTickets({ manager, rows, now: new Date() }),
    );
    out(`Imported ${imported} ticket(s)${badRows > 0 ? `; ${badRows} invalid row(s) skipped.` : '.'}`);
    return 0;
  },
};
