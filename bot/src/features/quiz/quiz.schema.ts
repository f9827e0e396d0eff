/**
 * What a question and a level of the quiz bank may contain, checked the same way for the web forms, the
 * CSV/JSON imports and the commands. Problems come back as catalog keys with the field they concern, so
 * each edge can list every one in the reader's language (next to the form, or by file row).
 */
import type { MessageKey, MessageParams } from '../../i18n';
import { parseTags } from '../knowledge';
import type { QuizQuestionType } from './quiz-question.entity';

export const QUIZ_LIMITS = {
  levelName: 60,
  stem: 1000,
  option: 200,
  options: 6,
  explanation: 1000,
  tags: 10,
  tag: 20,
  questionsPerAttempt: { min: 1, max: 50 },
  passPercent: { min: 1, max: 100 },
  points: { min: 0, max: 1000 },
  order: { min: 1, max: 1000 },
} as const;

export const QUIZ_TYPES: readonly QuizQuestionType[] = ['single', 'multiple', 'truefalse'];
/**
 * Option letters in order: a question has at most six options (six buttons is also the most a WeCom
 * card takes), lettered A–F in the bank, the import and as shown in 闯关.
 */
export const QUIZ_LETTERS = 'ABCDEF';

/**
 * How level names are compared everywhere (create, rename, both imports): Unicode-compatible forms
 * folded (full-width Ａ is A), accents dropped, letter case ignored, outer spaces trimmed. This is at
 * least as loose as MariaDB's utf8mb4_unicode_ci, which guards the unique index on the name, and it
 * makes SQLite (whose index compares bytes) refuse the same names, so both databases behave alike.
 */
export function levelNameKey(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFKC').toLowerCase().trim();
}

/** A question as its editors give it: the level by name, lists already split. */
export interface QuizQuestionInput {
  readonly level: string;
  readonly type: string;
  readonly stem: string;
  readonly options: readonly string[];
  readonly answer: string;
  readonly explanation: string;
  readonly tags: readonly string[];
}

/** A question as stored: trimmed, answer letters sorted, an empty explanation as null. */
export interface QuizQuestionValue {
  readonly level: string;
  readonly type: QuizQuestionType;
  readonly stem: string;
  readonly options: string[];
  readonly answer: string;
  readonly explanation: string | null;
  readonly tags: string[];
}

export type QuizQuestionField = keyof QuizQuestionInput | 'active';

/** One thing wrong with a question or a level, and the field it concerns. */
export interface QuizProblem<F extends string = string> {
  readonly field: F;
  readonly key: MessageKey;
  readonly params: MessageParams;
}

/** Multi-line text as stored: LF line ends, trimmed. */
const tidy = (value: string) => value.replace(/\r\n?/g, '\n').trim();

/** Splits typed or imported tags (commas, semicolons, 、 in either width); trimmed, without duplicates. */
export function splitQuizTags(values: readonly string[]): string[] {
  return [...new Set(values.flatMap((value) => parseTags(value)))];
}

/** Normalises a question and lists everything wrong with it. */
export function checkQuizQuestion(
  input: QuizQuestionInput,
): { ok: true; value: QuizQuestionValue } | { ok: false; problems: QuizProblem<QuizQuestionField>[] } {
  const problems: QuizProblem<QuizQuestionField>[] = [];
  const problem = (field: QuizQuestionField, key: MessageKey, params: MessageParams = {}) =>
    problems.push({ field, key, params });
  const level = input.level.trim();
  const type = input.type.trim().toLowerCase() as QuizQuestionType;
  const stem = tidy(input.stem);
  const options = input.options.map((option) => option.trim()).filter(Boolean);
  const rawAnswer = input.answer.toUpperCase().replace(/[\s,，、]/g, '');
  const explanation = tidy(input.explanation);
  const tags = splitQuizTags(input.tags);
  if (level === '' || [...level].length > QUIZ_LIMITS.levelName || /[\r\n]/.test(level))
    problem('level', 'quiz.import.error.level');
  if (!QUIZ_TYPES.includes(type)) problem('type', 'quiz.import.error.type', { value: type || '-' });
  if (stem === '' || [...stem].length > QUIZ_LIMITS.stem) problem('stem', 'quiz.import.error.stem');
  if ([...explanation].length > QUIZ_LIMITS.explanation)
    problem('explanation', 'quiz.import.error.explanation');
  if (tags.length > QUIZ_LIMITS.tags || tags.some((tag) => [...tag].length > QUIZ_LIMITS.tag))
    problem('tags', 'quiz.import.error.tags');
  let answer = rawAnswer;
  if (type === 'truefalse') {
    if (options.length > 0) problem('options', 'quiz.import.error.truefalseOptions');
    if (rawAnswer !== '对' && rawAnswer !== '错')
      problem('answer', 'quiz.import.error.answer', { value: rawAnswer || '-' });
  } else if (QUIZ_TYPES.includes(type)) {
    if (
      options.length < 2 ||
      options.length > QUIZ_LIMITS.options ||
      options.some((option) => [...option].length > QUIZ_LIMITS.option)
    )
      problem('options', 'quiz.import.error.options', { max: QUIZ_LIMITS.options });
    // `|` separates options in the CSV, and the web form takes one option per line: either inside an
    // option would split it in two on the way back in.
    if (options.some((option) => /[|\r\n]/.test(option))) problem('options', 'quiz.import.error.optionChars');
    if (new Set(options).size !== options.length) problem('options', 'quiz.import.error.optionDuplicate');
    const letters = [...new Set(rawAnswer)].sort();
    const allowed = QUIZ_LETTERS.slice(0, Math.min(options.length, QUIZ_LETTERS.length));
    const inRange = letters.every((letter) => allowed.includes(letter));
    const count = type === 'single' ? letters.length === 1 : letters.length >= 1;
    if (rawAnswer === '' || !inRange || !count || letters.length !== rawAnswer.length)
      problem('answer', 'quiz.import.error.answer', { value: rawAnswer || '-' });
    answer = letters.join('');
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: { level, type, stem, options, answer, explanation: explanation || null, tags },
  };
}

export type QuizLevelField = 'name' | 'questionsPerAttempt' | 'passPercent' | 'points';

/** A level's settings as typed (form fields and file cells are text). */
export interface QuizLevelInput {
  readonly name: string;
  readonly questionsPerAttempt: string | number;
  readonly passPercent: string | number;
  readonly points: string | number;
}

export interface QuizLevelValue {
  readonly name: string;
  readonly questionsPerAttempt: number;
  readonly passPercent: number;
  readonly points: number;
}

/** A whole number written plainly (no sign, no decimals, no exponent); undefined otherwise. */
export function wholeNumber(value: string | number): number | undefined {
  const text = typeof value === 'number' ? String(value) : value.trim();
  return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

const inRange = (value: number | undefined, range: { min: number; max: number }) =>
  value !== undefined && value >= range.min && value <= range.max;

/** Checks a level name alone (a rename, or a level named in a file). */
export function levelNameProblem(name: string): QuizProblem<'name'> | undefined {
  const trimmed = name.trim();
  return trimmed === '' || [...trimmed].length > QUIZ_LIMITS.levelName || /[\r\n]/.test(trimmed)
    ? { field: 'name', key: 'quiz.import.error.level', params: {} }
    : undefined;
}

/** The problem with one level setting, if any (`questionsPerAttempt`, `passPercent` or `points`). */
export function levelSettingProblem(
  field: Exclude<QuizLevelField, 'name'>,
  value: string | number,
): QuizProblem<QuizLevelField> | undefined {
  const range = QUIZ_LIMITS[field];
  if (inRange(wholeNumber(value), range)) return undefined;
  const key: MessageKey =
    field === 'questionsPerAttempt'
      ? 'quiz.level.error.questions'
      : field === 'passPercent'
        ? 'quiz.level.error.passPercent'
        : 'quiz.level.error.points';
  return { field, key, params: { min: range.min, max: range.max } };
}

/** Normalises a level's name and settings and lists everything wrong with them. */
export function checkQuizLevel(
  input: QuizLevelInput,
): { ok: true; value: QuizLevelValue } | { ok: false; problems: QuizProblem<QuizLevelField>[] } {
  const problems = [
    levelNameProblem(input.name),
    levelSettingProblem('questionsPerAttempt', input.questionsPerAttempt),
    levelSettingProblem('passPercent', input.passPercent),
    levelSettingProblem('points', input.points),
  ].filter((found): found is QuizProblem<QuizLevelField> => found !== undefined);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      name: input.name.trim(),
      questionsPerAttempt: wholeNumber(input.questionsPerAttempt) ?? 0,
      passPercent: wholeNumber(input.passPercent) ?? 0,
      points: wholeNumber(input.points) ?? 0,
    },
  };
}

const ACTIVE_WORDS = new Set(['1', 'TRUE', 'YES', 'Y', '是', '启用']);
const INACTIVE_WORDS = new Set(['0', 'FALSE', 'NO', 'N', '否', '停用']);

/**
 * An `active` cell: true/false, or undefined when left empty (a new question is active, an existing one
 * keeps its state); null when the value is not understood.
 */
export function parseActive(value: unknown): boolean | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  const text = (typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '?')
    .trim()
    .toUpperCase();
  if (text === '') return undefined;
  if (ACTIVE_WORDS.has(text)) return true;
  if (INACTIVE_WORDS.has(text)) return false;
  return null;
}
