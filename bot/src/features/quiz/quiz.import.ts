/**
 * The question bank import (`fieldline quiz:import`, the web upload), CSV or JSON. Every row is checked
 * first (by the same rules as the web form) and every error listed with its row; nothing is imported while
 * any row is bad. A question is known by its level and its stem: a row naming one the bank has updates it
 * (so an exported bank, edited in a spreadsheet, goes back in), any other row adds a question. A level the
 * bank does not have yet is created after the existing ones, in the order the file names them, with the
 * defaults (5 questions per attempt, 80 % to pass, 10 points) until edited. Files arrive as bytes and
 * must be UTF-8 (Excel's "CSV UTF-8"; a file saved as GBK is refused, never read as mojibake).
 */
import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../db/raw-sql';
import { AppError } from '../../errors';
import type { MessageKey, MessageParams } from '../../i18n';
import { decodeUtf8, parseCsv } from '../staff';
import { QuizLevel } from './quiz-level.entity';
import { lockedLevels } from './quiz-level.order';
import { QuizQuestion } from './quiz-question.entity';
import { checkQuizQuestion, levelNameKey, parseActive, type QuizQuestionValue } from './quiz.schema';
import { LEVEL_DEFAULTS } from './quiz.settings';

export const QUIZ_IMPORT_HEADER = [
  'level',
  'type',
  'stem',
  'options',
  'answer',
  'explanation',
  'tags',
] as const;
/** What the export writes: the import's header and `active`, which the import also takes (optional). */
export const QUIZ_EXPORT_HEADER = [...QUIZ_IMPORT_HEADER, 'active'] as const;

/** A valid row, ready to store. `isActive` is undefined when the file does not say. */
export interface QuizImportRow extends QuizQuestionValue {
  readonly row: number;
  readonly isActive?: boolean;
}

/** A problem with one row (0: the file as a whole), as a catalog message. */
export interface QuizImportError {
  readonly row: number;
  readonly key: MessageKey;
  readonly params: MessageParams;
}

/** Which file of an import a problem is in: the questions file or the levels file. */
export type QuizImportPart = 'questions' | 'levels';

/** A problem found while applying a checked import, with the file it concerns. */
export interface QuizImportFailure {
  readonly part: QuizImportPart;
  readonly error: QuizImportError;
}

/**
 * A row the database refused while an import was applied (the whole import rolls back): a level name
 * another editor took a moment ago, or one MariaDB's collation equates with a name the bank has where
 * `levelNameKey` does not (ß and ss). Thrown as VALIDATION_FAILED with the row in `details`.
 */
function importRowRefused(part: QuizImportPart, error: QuizImportError): AppError {
  return new AppError('VALIDATION_FAILED', `quiz import: ${part} row ${error.row}: ${error.key}`, {
    params: { detail: error.key },
    details: { importFailures: [{ part, error }] satisfies QuizImportFailure[] },
  });
}

/** The row problems an import failed with (see {@link importRowRefused}); undefined for other errors. */
export function importFailuresOf(error: unknown): QuizImportFailure[] | undefined {
  if (!(error instanceof AppError) || error.code !== 'VALIDATION_FAILED') return undefined;
  return (error.details as { importFailures?: QuizImportFailure[] } | undefined)?.importFailures;
}

/** An import file as received: bytes (decoded here, strictly as UTF-8) or text already decoded. */
export type QuizImportSource = { readonly format: 'csv' | 'json' } & (
  { readonly bytes: Uint8Array } | { readonly text: string }
);

/**
 * The text of an uploaded or read file: strict UTF-8 (a leading BOM dropped), or the file-level error
 * `quiz.import.error.notUtf8` — Excel's plain "CSV" is GBK on Chinese Windows, and decoding that
 * leniently would import mojibake.
 */
export function decodeImportFile(bytes: Uint8Array): { text: string } | { error: QuizImportError } {
  const text = decodeUtf8(bytes);
  return text === undefined ? { error: { row: 0, key: 'quiz.import.error.notUtf8', params: {} } } : { text };
}

/** One row of an import file before checking: its cells by column name. */
export interface ImportTableRow<F extends string> {
  readonly row: number;
  readonly fields: Partial<Record<F, unknown>>;
  /** Set when a CSV line has the wrong number of columns. */
  readonly columns?: number;
}

/** A cell as text: trimmed strings, numbers written out, anything else empty. */
export const cellText = (value: unknown): string =>
  typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
const list = (value: unknown, separator: string): string[] =>
  (Array.isArray(value) ? value.map(cellText) : cellText(value).split(separator))
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * Undoes the export's formula guard: a cell the export wrote as `'=…` (so that a spreadsheet shows it as
 * text) comes back as `=…`.
 */
const unguarded = (value: string) => (/^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value);

/**
 * Reads an import file into rows of named cells. CSV: a header naming exactly `required` then, optionally,
 * the `optional` columns in order (any letter case); rows are numbered by their line. JSON: an array of
 * objects with those keys, numbered from 1. Returns a file-level error instead when it cannot be read.
 */
export function readImportTable<F extends string>(
  props: QuizImportSource & { readonly required: readonly F[]; readonly optional?: readonly F[] },
): { rows: ImportTableRow<F>[]; columns: number } | QuizImportError {
  const decoded = 'bytes' in props ? decodeImportFile(props.bytes) : { text: props.text };
  if ('error' in decoded) return decoded.error;
  const text = decoded.text;
  if (props.format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (error) {
      return { row: 0, key: 'quiz.import.error.json', params: { detail: (error as Error).message } };
    }
    if (!Array.isArray(parsed))
      return { row: 0, key: 'quiz.import.error.json', params: { detail: 'not an array' } };
    return {
      rows: parsed.map((item, index) => ({
        row: index + 1,
        fields: (typeof item === 'object' && item !== null ? item : {}) as Partial<Record<F, unknown>>,
      })),
      columns: props.required.length,
    };
  }
  let records;
  try {
    records = parseCsv(text);
  } catch (error) {
    return { row: 0, key: 'quiz.import.error.csv', params: { detail: (error as Error).message } };
  }
  const [header, ...body] = records;
  const optional = props.optional ?? [];
  const given = header?.fields.map((field) => field.trim().toLowerCase()) ?? [];
  const columns = [...props.required, ...optional].slice(0, given.length);
  if (
    given.length < props.required.length ||
    given.length !== columns.length ||
    columns.some((name, index) => name.toLowerCase() !== given[index])
  )
    return {
      row: 1,
      key: 'quiz.import.error.header',
      params: {
        header: props.required.join(',') + optional.map((name) => `[,${name}]`).join(''),
      },
    };
  const rows = body.map((record): ImportTableRow<F> => {
    if (record.fields.length !== columns.length)
      return { row: record.line, fields: {}, columns: record.fields.length };
    return {
      row: record.line,
      fields: Object.fromEntries(
        columns.map((name, index) => [name, unguarded(record.fields[index] ?? '')]),
      ) as Partial<Record<F, unknown>>,
    };
  });
  return { rows, columns: columns.length };
}

type QuestionColumn = (typeof QUIZ_EXPORT_HEADER)[number];

function checkRow({ row, fields }: ImportTableRow<QuestionColumn>): QuizImportRow | QuizImportError[] {
  const checked = checkQuizQuestion({
    level: cellText(fields.level),
    type: cellText(fields.type),
    stem: cellText(fields.stem),
    options: list(fields.options, '|'),
    answer: cellText(fields.answer),
    explanation: cellText(fields.explanation),
    tags: list(fields.tags, ';'),
  });
  const errors: QuizImportError[] = checked.ok
    ? []
    : checked.problems.map((problem) => ({ row, key: problem.key, params: problem.params }));
  const isActive = parseActive(fields.active);
  if (isActive === null)
    errors.push({ row, key: 'quiz.import.error.active', params: { value: cellText(fields.active) || '-' } });
  if (!checked.ok || isActive === null || errors.length > 0) return errors;
  return { row, ...checked.value, ...(isActive === undefined ? {} : { isActive }) };
}

/** Checks a whole questions file (rows are CSV lines, or 1-based array positions in JSON). */
export function checkQuizImport(props: QuizImportSource): {
  rows: QuizImportRow[];
  errors: QuizImportError[];
} {
  const table = readImportTable<QuestionColumn>({
    ...props,
    required: QUIZ_IMPORT_HEADER,
    optional: ['active'],
  });
  if ('key' in table) return { rows: [], errors: [table] };
  const rows: QuizImportRow[] = [];
  const errors: QuizImportError[] = [];
  const seen = new Map<string, number>();
  for (const item of table.rows) {
    const columns = item.columns;
    if (columns !== undefined) {
      errors.push({
        row: item.row,
        key: 'quiz.import.error.columns',
        params: { expected: table.columns, found: columns },
      });
      continue;
    }
    const result = checkRow(item);
    if (Array.isArray(result)) {
      errors.push(...result);
      continue;
    }
    const key = questionKey(levelNameKey(result.level), result.stem);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      errors.push({ row: item.row, key: 'quiz.import.error.duplicate', params: { row: earlier } });
      continue;
    }
    seen.set(key, item.row);
    rows.push(result);
  }
  if (table.rows.length === 0) errors.push({ row: 0, key: 'quiz.import.error.empty', params: {} });
  return { rows, errors };
}

/** How the import recognises a question: its level and its stem. */
const questionKey = (level: string | number, stem: string) => `${level}\n${stem}`;

/** A question the import added (`before` null) or changed. */
export interface QuizQuestionChange {
  readonly question: QuizQuestion;
  readonly before: QuizQuestion | null;
}

export interface QuizQuestionsImported {
  /** Rows in the file. */
  readonly questions: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Names of the levels the file created, in order. */
  readonly newLevels: string[];
  readonly createdLevels: QuizLevel[];
  readonly changes: QuizQuestionChange[];
}

/**
 * Saves a level new to the bank for row `row` of an import. The names were matched in JS already; should
 * the unique index still refuse the name (another editor added it a moment ago), the row is reported as
 * taken rather than the import failing as a server error.
 */
export async function saveNewLevel(
  manager: EntityManager,
  part: QuizImportPart,
  row: number,
  values: Omit<QuizLevel, 'id'>,
): Promise<QuizLevel> {
  try {
    return await manager.save(manager.create(QuizLevel, values));
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw importRowRefused(part, { row, key: 'quiz.level.error.nameTaken', params: { name: values.name } });
  }
}

const sameQuestion = (question: QuizQuestion, row: QuizImportRow) =>
  question.type === row.type &&
  question.answer === row.answer &&
  (question.explanation ?? null) === row.explanation &&
  JSON.stringify(question.options) === JSON.stringify(row.options) &&
  JSON.stringify(question.tags) === JSON.stringify(row.tags) &&
  (row.isActive === undefined || question.isActive === row.isActive);

/**
 * Stores checked rows (call inside one transaction): new levels created with the defaults, new questions
 * added, known ones (same level and stem) updated where they differ. A question edited meanwhile by
 * someone else fails the whole import with CONFLICT.
 */
export async function importQuizQuestions(props: {
  readonly manager: EntityManager;
  readonly rows: readonly QuizImportRow[];
  readonly now: Date;
}): Promise<QuizQuestionsImported> {
  const { manager, now } = props;
  const levels = await lockedLevels(manager);
  const byName = new Map(levels.map((level) => [levelNameKey(level.name), level]));
  const existing = new Map(
    (await manager.find(QuizQuestion, { order: { id: 'ASC' } }))
      .reverse() // the oldest of any duplicates wins
      .map((question) => [questionKey(question.levelId, question.stem), question]),
  );
  let nextOrder = Math.max(0, ...levels.map((level) => level.sortOrder)) + 1;
  const createdLevels: QuizLevel[] = [];
  const changes: QuizQuestionChange[] = [];
  let unchanged = 0;
  for (const row of props.rows) {
    let level = byName.get(levelNameKey(row.level));
    if (!level) {
      level = await saveNewLevel(manager, 'questions', row.row, {
        name: row.level,
        sortOrder: nextOrder,
        ...LEVEL_DEFAULTS,
        createdAt: now,
        updatedAt: null,
        version: 1,
      });
      nextOrder += 1;
      byName.set(levelNameKey(level.name), level);
      createdLevels.push(level);
    }
    const content = {
      type: row.type,
      options: row.options,
      answer: row.answer,
      explanation: row.explanation,
      tags: row.tags,
    };
    const known = existing.get(questionKey(level.id, row.stem));
    if (!known) {
      const question = await manager.save(
        manager.create(QuizQuestion, {
          levelId: level.id,
          stem: row.stem,
          ...content,
          isActive: row.isActive ?? true,
          createdAt: now,
          updatedAt: null,
          version: 1,
        }),
      );
      existing.set(questionKey(level.id, row.stem), question);
      changes.push({ question, before: null });
      continue;
    }
    if (sameQuestion(known, row)) {
      unchanged += 1;
      continue;
    }
    const next = {
      ...content,
      isActive: row.isActive ?? known.isActive,
      updatedAt: now,
      version: known.version + 1,
    };
    const result = await manager.update(QuizQuestion, { id: known.id, version: known.version }, next);
    if (result.affected !== 1) throw new AppError('CONFLICT', `quiz question ${known.id} changed meanwhile`);
    const question = manager.create(QuizQuestion, { ...known, ...next });
    existing.set(questionKey(level.id, row.stem), question);
    changes.push({ question, before: known });
  }
  return {
    questions: props.rows.length,
    created: changes.filter((change) => change.before === null).length,
    updated: changes.filter((change) => change.before !== null).length,
    unchanged,
    newLevels: createdLevels.map((level) => level.name),
    createdLevels,
    changes,
  };
}
