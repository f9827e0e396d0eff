import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { inTransaction } from '../../bot/src/db/transaction';
import { checkQuizImport, importQuizQuestions, QUIZ_IMPORT_HEADER } from '../../bot/src/features/quiz';
import { t } from '../../bot/src/i18n';
import { UsageError, type CliCommand } from './command';

/**
 * `quiz:import`: questions for 我爱闯关 from CSV or JSON. Every error is listed with its row and nothing
 * is imported while any row is bad; levels new to the bank get the defaults.
 */
export const quizImportCommand: CliCommand = {
  name: 'quiz:import',
  summary: `Import quiz questions from CSV (${QUIZ_IMPORT_HEADER.join(',')}) or JSON`,
  usage: [
    'fieldline quiz:import <file.csv|file.json>',
    `  CSV header: ${QUIZ_IMPORT_HEADER.join(',')}`,
    '  type: single, multiple or truefalse; options separated by | (none for truefalse);',
    '  answer: letters such as A or AC, or 对/错; tags separated by ;.',
    '  JSON: an array of objects with the same keys (options and tags may be arrays).',
    '  Every error is listed with its row; nothing is imported while a row is bad. A level new to the',
    '  bank is added after the others with 5 questions per attempt, 80% to pass and 10 points.',
  ].join('\n'),
  async run(args, { out, err, migratedDatabase }) {
    const [file, ...rest] = args;
    if (!file || rest.length > 0 || file.startsWith('--'))
      throw new UsageError('expected one CSV or JSON file');
    const format = extname(file).toLowerCase() === '.json' ? 'json' : 'csv';
    const text = await readFile(file, 'utf8');
    const { rows, errors } = checkQuizImport({ text, format });
    for (const error of errors) err(`row ${error.row}: ${t('en-US', error.key, error.params)}`);
    if (errors.length > 0) {
      err(`Nothing imported: ${new Set(errors.map((error) => error.row)).size} row(s) have errors.`);
      return 1;
    }
    const dataSource = await migratedDatabase();
    const result = await inTransaction(dataSource, (manager) =>
      importQuizQuestions({ manager, rows, now: new Date() }),
    );
    out(
      `Imported ${result.questions} question(s)` +
        (result.newLevels.length > 0 ? `; new level(s): ${result.newLevels.join(', ')}.` : '.'),
    );
    return 0;
  },
};
