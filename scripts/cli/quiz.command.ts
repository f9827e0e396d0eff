import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inTransaction } from '../../bot/src/db/transaction';
import { AppError } from '../../bot/src/errors';
import {
  checkQuizImport,
  checkQuizLevelsImport,
  exportQuizLevels,
  exportQuizQuestions,
  importFailuresOf,
  importQuizBank,
  QUIZ_IMPORT_HEADER,
  QUIZ_LEVELS_HEADER,
  type QuizExportFormat,
  type QuizImportError,
} from '../../bot/src/features/quiz';
import { t } from '../../bot/src/i18n';
import { cliActor, UsageError, type CliCommand } from './command';

/** `<file> [--levels <file>]` (either part may be missing, not both), in any order. */
function fileArguments(args: readonly string[]): { file?: string; levels?: string } {
  const found: { file?: string; levels?: string } = {};
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--levels') {
      const value = args[i + 1];
      if (!value || value.startsWith('--') || found.levels !== undefined)
        throw new UsageError('--levels needs one file');
      found.levels = value;
      i += 1;
    } else if (arg.startsWith('--')) {
      throw new UsageError(`unknown option ${arg}`);
    } else if (found.file !== undefined) {
      throw new UsageError('expected one questions file');
    } else {
      found.file = arg;
    }
  }
  if (found.file === undefined && found.levels === undefined)
    throw new UsageError('expected a questions file, a --levels file, or both');
  return found;
}

const formatOf = (file: string): QuizExportFormat =>
  path.extname(file).toLowerCase() === '.json' ? 'json' : 'csv';

function exportFormat(file: string): QuizExportFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension !== '.csv' && extension !== '.json')
    throw new UsageError(`${file}: the file name must end in .csv or .json`);
  return extension === '.json' ? 'json' : 'csv';
}

/** The file's bytes (the feature decodes them, refusing anything but UTF-8), or undefined if unreadable. */
async function readBytes(file: string, err: (line: string) => void): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    err(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    return undefined;
  }
}

/**
 * `quiz:import`: questions for 我爱闯关 from CSV or JSON, and/or level settings from a levels file, in
 * one transaction. Every error is listed with its file and row and nothing is imported while any row is
 * bad; levels new to the bank get the defaults unless the levels file sets them.
 */
export const quizImportCommand: CliCommand = {
  name: 'quiz:import',
  summary: `Import quiz questions (${QUIZ_IMPORT_HEADER.join(',')}) and/or level settings, CSV or JSON`,
  usage: [
    'fieldline quiz:import <questions.csv|questions.json> [--levels <levels.csv|levels.json>]',
    'fieldline quiz:import --levels <levels.csv|levels.json>',
    `  Questions CSV header: ${QUIZ_IMPORT_HEADER.join(',')}[,active]`,
    '  type: single, multiple or truefalse; options separated by | (none for truefalse);',
    '  answer: letters such as A or AC, or 对/错; tags separated by ;; active: 1/0 (empty: active when',
    '  new, unchanged otherwise). A question with the same level and stem as one in the bank updates',
    '  it; other rows add questions. JSON: an array of objects with the same keys (options and tags',
    '  may be arrays). A level new to the bank is added after the others with 5 questions per',
    '  attempt, 80% to pass and 10 points.',
    `  Levels CSV header: ${QUIZ_LEVELS_HEADER.join(',')} (JSON: the same keys). order is the`,
    '  position (1 = first; the other levels keep their order around it), questions 1–50, passPercent',
    '  1–100, points 0–1000; an empty cell keeps the current value (the default for a new level).',
    '  Files must be UTF-8 (in Excel: save as "CSV UTF-8"). Level names match in any letter case or',
    '  width. Both files are checked first and every error listed with its row; nothing is imported',
    '  while anything is wrong, and both files are applied in one transaction. Every change is audited.',
  ].join('\n'),
  async run(args, { out, err, migratedDatabase }) {
    const files = fileArguments(args);
    const questionsBytes = files.file === undefined ? Buffer.alloc(0) : await readBytes(files.file, err);
    const levelsBytes = files.levels === undefined ? Buffer.alloc(0) : await readBytes(files.levels, err);
    if (questionsBytes === undefined || levelsBytes === undefined) return 1;
    const questions =
      files.file === undefined
        ? { rows: [], errors: [] }
        : checkQuizImport({ bytes: questionsBytes, format: formatOf(files.file) });
    const levels =
      files.levels === undefined
        ? { rows: [], errors: [] }
        : checkQuizLevelsImport({ bytes: levelsBytes, format: formatOf(files.levels) });
    const report = (prefix: string, error: QuizImportError) =>
      err(
        `${prefix}${error.row === 0 ? 'file' : `row ${error.row}`}: ${t('en-US', error.key, error.params)}`,
      );
    for (const error of levels.errors) report('levels ', error);
    for (const error of questions.errors) report('', error);
    if (levels.errors.length + questions.errors.length > 0) {
      const rows =
        new Set(levels.errors.map((error) => error.row)).size +
        new Set(questions.errors.map((error) => error.row)).size;
      err(`Nothing imported: ${rows} row(s) have errors.`);
      return 1;
    }
    const dataSource = await migratedDatabase();
    let result;
    try {
      result = await inTransaction(dataSource, (manager) =>
        importQuizBank({
          manager,
          levels: levels.rows,
          questions: questions.rows,
          actor: cliActor(),
          ip: null,
          now: new Date(),
          source: [files.file, files.levels]
            .filter(Boolean)
            .map((file) => path.basename(file ?? ''))
            .join(' + '),
        }),
      );
    } catch (error) {
      // Someone changed the bank while the files were applied: nothing was imported.
      if (error instanceof AppError && error.code === 'CONFLICT') {
        err(`Nothing imported: the quiz bank was changed meanwhile (${error.message}); run it again.`);
        return 1;
      }
      const failures = importFailuresOf(error);
      if (!failures) throw error;
      for (const { part, error: problem } of failures) report(part === 'levels' ? 'levels ' : '', problem);
      err(`Nothing imported: ${failures.length} row(s) have errors.`);
      return 1;
    }
    if (files.levels !== undefined) out(`Levels: ${result.levels.length} level(s) added or changed.`);
    if (files.file !== undefined)
      out(
        `Imported ${result.questions} question(s): ${result.created} added, ${result.updated} updated, ` +
          `${result.unchanged} unchanged` +
          (result.newLevels.length > 0 ? `; new level(s): ${result.newLevels.join(', ')}.` : '.'),
      );
    return 0;
  },
};

/** `quiz:export`: the whole bank to a file `quiz:import` takes back, and optionally the levels file. */
export const quizExportCommand: CliCommand = {
  name: 'quiz:export',
  summary: 'Export the quiz bank (all questions, active or not) as CSV or JSON, optionally its levels',
  usage: [
    'fieldline quiz:export <questions.csv|questions.json> [--levels <levels.csv|levels.json>]',
    `  Questions: the import's header and an active column (${QUIZ_IMPORT_HEADER.join(',')},active),`,
    '  by level order; CSV is UTF-8 with a BOM for Excel, and a cell starting with = + - or @ gets a',
    "  leading ' (quiz:import removes it again). Levels: the levels file of quiz:import --levels.",
    '  Existing files are overwritten.',
  ].join('\n'),
  async run(args, { out, migratedDatabase }) {
    const files = fileArguments(args);
    if (files.file === undefined) throw new UsageError('expected a questions file to write');
    const questionsFormat = exportFormat(files.file);
    const levelsFormat = files.levels === undefined ? undefined : exportFormat(files.levels);
    const dataSource = await migratedDatabase();
    const { manager } = dataSource;
    const questions = await exportQuizQuestions(manager, questionsFormat);
    await writeFile(files.file, questions.text, 'utf8');
    out(`Wrote ${questions.count} question(s) to ${files.file}.`);
    if (files.levels !== undefined && levelsFormat !== undefined) {
      const levels = await exportQuizLevels(manager, levelsFormat);
      await writeFile(files.levels, levels.text, 'utf8');
      out(`Wrote ${levels.count} level(s) to ${files.levels}.`);
    }
    return 0;
  },
};
