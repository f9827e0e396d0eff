/**
 * The question bank import (`fieldline quiz:import`), CSV or JSON. Every row is checked first and every
 * error listed with its row; nothing is imported while any row is bad. Levels are named in the file; a
 * level the bank does not have yet is created after the existing ones, in the order the file names them,
 * with the defaults (5 questions per attempt, 80 % to pass, 10 points).
 */
import type { EntityManager } from 'typeorm';
import type { MessageKey, MessageParams } from '../../i18n';
import { parseCsv } from '../staff';
import { QuizLevel } from './quiz-level.entity';
import { QuizQuestion, type QuizQuestionType } from './quiz-question.entity';
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
const LETTERS = 'ABCDEF';
const TYPES: readonly QuizQuestionType[] = ['single', 'multiple', 'truefalse'];

/** A valid row, ready to store. */
export interface QuizImportRow {
  readonly row: number;
  readonly level: string;
  readonly type: QuizQuestionType;
  readonly stem: string;
  readonly options: string[];
  readonly answer: string;
  readonly explanation: string | null;
  readonly tags: string[];
}

/** A problem with one row, as a catalog message. */
export interface QuizImportError {
  readonly row: number;
  readonly key: MessageKey;
  readonly params: MessageParams;
}

interface RawRow {
  readonly row: number;
  readonly fields: Partial<Record<(typeof QUIZ_IMPORT_HEADER)[number], unknown>>;
  /** Set when a CSV line has the wrong number of columns. */
  readonly columns?: number;
}

const text = (value: unknown): string =>
  typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
const list = (value: unknown, separator: string): string[] =>
  (Array.isArray(value) ? value.map(text) : text(value).split(separator))
    .map((item) => item.trim())
    .filter(Boolean);

function checkRow({ row, fields }: RawRow): QuizImportRow | QuizImportError[] {
  const errors: QuizImportError[] = [];
  const problem = (key: MessageKey, params: MessageParams = {}) => errors.push({ row, key, params });
  const level = text(fields.level);
  const type = text(fields.type).toLowerCase() as QuizQuestionType;
  const stem = text(fields.stem);
  const options = list(fields.options, '|');
  const rawAnswer = text(fields.answer)
    .toUpperCase()
    .replace(/[\s,，、]/g, '');
  const explanation = text(fields.explanation);
  const tags = list(fields.tags, ';');
  if (level === '' || level.length > 60) problem('quiz.import.error.level');
  if (!TYPES.includes(type)) problem('quiz.import.error.type', { value: type || '-' });
  if (stem === '' || stem.length > 1000) problem('quiz.import.error.stem');
  if (explanation.length > 1000) problem('quiz.import.error.explanation');
  if (tags.length > 10 || tags.some((tag) => tag.length > 20)) problem('quiz.import.error.tags');
  let answer = rawAnswer;
  if (type === 'truefalse') {
    if (options.length > 0) problem('quiz.import.error.truefalseOptions');
    if (rawAnswer !== '对' && rawAnswer !== '错')
      problem('quiz.import.error.answer', { value: rawAnswer || '-' });
  } else if (TYPES.includes(type)) {
    if (
      options.length < 2 ||
      options.length > LETTERS.length ||
      options.some((option) => option.length > 200)
    )
      problem('quiz.import.error.options', { max: LETTERS.length });
    const letters = [...new Set(rawAnswer)].sort();
    const inRange = letters.every((letter) => LETTERS.slice(0, options.length).includes(letter));
    const count = type === 'single' ? letters.length === 1 : letters.length >= 1;
    if (rawAnswer === '' || !inRange || !count || letters.length !== rawAnswer.length)
      problem('quiz.import.error.answer', { value: rawAnswer || '-' });
    answer = letters.join('');
  }
  if (errors.length > 0) return errors;
  return { row, level, type, stem, options, answer, explanation: explanation || null, tags };
}

function rawRows(source: string, format: 'csv' | 'json'): RawRow[] | QuizImportError {
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch (error) {
      return { row: 0, key: 'quiz.import.error.json', params: { detail: (error as Error).message } };
    }
    if (!Array.isArray(parsed))
      return { row: 0, key: 'quiz.import.error.json', params: { detail: 'not an array' } };
    return parsed.map((item, index) => ({
      row: index + 1,
      fields: (typeof item === 'object' && item !== null ? item : {}) as RawRow['fields'],
    }));
  }
  let records;
  try {
    records = parseCsv(source);
  } catch (error) {
    return { row: 0, key: 'quiz.import.error.csv', params: { detail: (error as Error).message } };
  }
  const [header, ...body] = records;
  const expected = QUIZ_IMPORT_HEADER.join(',');
  if (!header || header.fields.map((field) => field.trim().toLowerCase()).join(',') !== expected)
    return { row: 1, key: 'quiz.import.error.header', params: { header: expected } };
  return body.map((record) => {
    if (record.fields.length !== QUIZ_IMPORT_HEADER.length)
      return { row: record.line, fields: {}, columns: record.fields.length };
    return {
      row: record.line,
      fields: Object.fromEntries(QUIZ_IMPORT_HEADER.map((name, index) => [name, record.fields[index]])),
    };
  });
}

/** Checks a whole file (rows are CSV lines, or 1-based array positions in JSON). */
export function checkQuizImport(props: { readonly text: string; readonly format: 'csv' | 'json' }): {
  rows: QuizImportRow[];
  errors: QuizImportError[];
} {
  const raw = rawRows(props.text, props.format);
  if (!Array.isArray(raw)) return { rows: [], errors: [raw] };
  const rows: QuizImportRow[] = [];
  const errors: QuizImportError[] = [];
  const seen = new Map<string, number>();
  for (const item of raw) {
    const columns = item.columns;
    if (columns !== undefined) {
      errors.push({
        row: item.row,
        key: 'quiz.import.error.columns',
        params: { expected: QUIZ_IMPORT_HEADER.length, found: columns },
      });
      continue;
    }
    const result = checkRow(item);
    if (Array.isArray(result)) {
      errors.push(...result);
      continue;
    }
    const key = `${result.level}\n${result.stem}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      errors.push({ row: item.row, key: 'quiz.import.error.duplicate', params: { row: earlier } });
      continue;
    }
    seen.set(key, item.row);
    rows.push(result);
  }
  if (raw.length === 0) errors.push({ row: 0, key: 'quiz.import.error.empty', params: {} });
  return { rows, errors };
}

/** Stores checked rows (call inside one transaction), creating missing levels. */
export async function importQuizQuestions(props: {
  readonly manager: EntityManager;
  readonly rows: readonly QuizImportRow[];
  readonly now: Date;
}): Promise<{ questions: number; newLevels: string[] }> {
  const { manager, now } = props;
  const levels = await manager.find(QuizLevel, { order: { sortOrder: 'ASC' } });
  const byName = new Map(levels.map((level) => [level.name, level]));
  let nextOrder = (levels.at(-1)?.sortOrder ?? 0) + 1;
  const newLevels: string[] = [];
  for (const row of props.rows) {
    let level = byName.get(row.level);
    if (!level) {
      level = await manager.save(
        manager.create(QuizLevel, {
          name: row.level,
          sortOrder: nextOrder,
          ...LEVEL_DEFAULTS,
          createdAt: now,
        }),
      );
      nextOrder += 1;
      byName.set(level.name, level);
      newLevels.push(level.name);
    }
    await manager.insert(QuizQuestion, {
      levelId: level.id,
      type: row.type,
      stem: row.stem,
      options: row.options,
      answer: row.answer,
      explanation: row.explanation,
      tags: row.tags,
      isActive: true,
      createdAt: now,
    });
  }
  return { questions: props.rows.length, newLevels };
}
