/**
 * The levels file of `quiz:import --levels` (and the web upload): CSV with the header
 * `level,order,questions,passPercent,points`, or JSON objects with those keys. A row names a level and
 * gives any of its position (1 = first), its questions per attempt, pass mark (%) and points; an empty
 * cell keeps what the level has (a level new to the bank gets the defaults, and goes after the others).
 * Every row is checked first and every error listed; it is applied in the same transaction as the
 * questions file, so nothing is half-imported.
 */
import type { EntityManager } from 'typeorm';
import { AppError } from '../../errors';
import { QuizLevel } from './quiz-level.entity';
import { lockedLevels, renumberQuizLevels } from './quiz-level.order';
import {
  cellText,
  readImportTable,
  saveNewLevel,
  type ImportTableRow,
  type QuizImportError,
  type QuizImportSource,
} from './quiz.import';
import {
  levelNameKey,
  levelNameProblem,
  levelSettingProblem,
  wholeNumber,
  QUIZ_LIMITS,
  type QuizLevelField,
} from './quiz.schema';
import { LEVEL_DEFAULTS } from './quiz.settings';

export const QUIZ_LEVELS_HEADER = ['level', 'order', 'questions', 'passPercent', 'points'] as const;
type LevelColumn = (typeof QUIZ_LEVELS_HEADER)[number];

/** A valid row; a setting left empty is undefined. */
export interface QuizLevelRow {
  readonly row: number;
  readonly name: string;
  readonly order?: number;
  readonly questionsPerAttempt?: number;
  readonly passPercent?: number;
  readonly points?: number;
}

const SETTINGS: ReadonlyArray<[LevelColumn, Exclude<QuizLevelField, 'name'>]> = [
  ['questions', 'questionsPerAttempt'],
  ['passPercent', 'passPercent'],
  ['points', 'points'],
];

/** A row checked on its own: its value, and what is wrong with it (the value is usable when nothing is). */
function checkLevelRow({ row, fields }: ImportTableRow<LevelColumn>): {
  value: QuizLevelRow;
  errors: QuizImportError[];
} {
  const errors: QuizImportError[] = [];
  const name = cellText(fields.level);
  const nameProblem = levelNameProblem(name);
  if (nameProblem) errors.push({ row, key: nameProblem.key, params: nameProblem.params });
  const settings: Partial<Record<Exclude<QuizLevelField, 'name'> | 'order', number>> = {};
  const order = cellText(fields.order);
  if (order !== '') {
    const value = wholeNumber(order);
    if (value === undefined || value < QUIZ_LIMITS.order.min || value > QUIZ_LIMITS.order.max)
      errors.push({ row, key: 'quiz.level.error.order', params: { ...QUIZ_LIMITS.order } });
    else settings.order = value;
  }
  for (const [column, field] of SETTINGS) {
    const cell = cellText(fields[column]);
    if (cell === '') continue;
    const problem = levelSettingProblem(field, cell);
    if (problem) errors.push({ row, key: problem.key, params: problem.params });
    else settings[field] = wholeNumber(cell) ?? 0;
  }
  return { value: { row, name, ...settings }, errors };
}

/** Checks a whole levels file: every row, plus no level or position named twice. */
export function checkQuizLevelsImport(props: QuizImportSource): {
  rows: QuizLevelRow[];
  errors: QuizImportError[];
} {
  const table = readImportTable<LevelColumn>({ ...props, required: QUIZ_LEVELS_HEADER });
  if ('key' in table) return { rows: [], errors: [table] };
  const rows: QuizLevelRow[] = [];
  const errors: QuizImportError[] = [];
  const names = new Map<string, number>();
  const orders = new Map<number, number>();
  for (const item of table.rows) {
    if (item.columns !== undefined) {
      errors.push({
        row: item.row,
        key: 'quiz.import.error.columns',
        params: { expected: table.columns, found: item.columns },
      });
      continue;
    }
    // A bad row still claims its name and position, so that a second row naming them is reported too.
    const { value: result, errors: own } = checkLevelRow(item);
    errors.push(...own);
    const sameName = result.name === '' ? undefined : names.get(levelNameKey(result.name));
    const sameOrder = result.order === undefined ? undefined : orders.get(result.order);
    if (sameName !== undefined)
      errors.push({ row: item.row, key: 'quiz.level.error.duplicate', params: { row: sameName } });
    if (sameOrder !== undefined)
      errors.push({
        row: item.row,
        key: 'quiz.level.error.orderDuplicate',
        params: { order: result.order ?? 0, row: sameOrder },
      });
    if (sameName === undefined && result.name !== '') names.set(levelNameKey(result.name), item.row);
    if (sameOrder === undefined && result.order !== undefined) orders.set(result.order, item.row);
    if (own.length === 0 && sameName === undefined && sameOrder === undefined) rows.push(result);
  }
  if (table.rows.length === 0) errors.push({ row: 0, key: 'quiz.import.error.empty', params: {} });
  return { rows, errors };
}

/**
 * `levels` (every level, in their current order) rearranged so that each level with a wanted position
 * sits exactly there (or as near as the number of levels allows), the others keeping their order.
 */
function arranged(levels: readonly QuizLevel[], wanted: ReadonlyMap<number, number>): QuizLevel[] {
  const slots: Array<QuizLevel | undefined> = new Array<QuizLevel | undefined>(levels.length).fill(undefined);
  const placed = [...wanted].sort((a, b) => a[1] - b[1]);
  for (const [id, order] of placed) {
    const level = levels.find((candidate) => candidate.id === id);
    if (!level) continue;
    let slot = Math.min(order, levels.length) - 1;
    while (slot < levels.length && slots[slot] !== undefined) slot += 1;
    if (slot >= levels.length) slot = slots.lastIndexOf(undefined);
    slots[slot] = level;
  }
  const rest = levels.filter((level) => !wanted.has(level.id));
  return slots.map((slot) => slot ?? (rest.shift() as QuizLevel));
}

/** A level the levels file added (`before` null) or changed (settings or position). */
export interface QuizLevelChange {
  readonly level: QuizLevel;
  readonly before: QuizLevel | null;
}

/**
 * Applies checked levels rows (call inside one transaction): new levels created (given settings, else
 * the defaults), known ones updated where they differ (a level edited meanwhile fails it with CONFLICT),
 * then positions given placed exactly, the other levels keeping their order around them.
 */
export async function importQuizLevels(props: {
  readonly manager: EntityManager;
  readonly rows: readonly QuizLevelRow[];
  readonly now: Date;
}): Promise<QuizLevelChange[]> {
  const { manager, now } = props;
  const levels = await lockedLevels(manager);
  const byName = new Map(levels.map((level) => [levelNameKey(level.name), level]));
  const before = new Map<number, QuizLevel | null>();
  const wanted = new Map<number, number>();
  for (const row of props.rows) {
    const known = byName.get(levelNameKey(row.name));
    const settings = {
      questionsPerAttempt:
        row.questionsPerAttempt ?? known?.questionsPerAttempt ?? LEVEL_DEFAULTS.questionsPerAttempt,
      passPercent: row.passPercent ?? known?.passPercent ?? LEVEL_DEFAULTS.passPercent,
      points: row.points ?? known?.points ?? LEVEL_DEFAULTS.points,
    };
    let level: QuizLevel;
    if (!known) {
      level = await saveNewLevel(manager, 'levels', row.row, {
        name: row.name,
        sortOrder: levels.length + 1,
        ...settings,
        createdAt: now,
        updatedAt: null,
        version: 1,
      });
      levels.push(level);
      byName.set(levelNameKey(level.name), level);
      before.set(level.id, null);
    } else {
      level = known;
      before.set(level.id, manager.create(QuizLevel, { ...known }));
      const changed =
        settings.questionsPerAttempt !== known.questionsPerAttempt ||
        settings.passPercent !== known.passPercent ||
        settings.points !== known.points;
      if (changed) {
        const next = { ...settings, updatedAt: now, version: known.version + 1 };
        const result = await manager.update(QuizLevel, { id: known.id, version: known.version }, next);
        if (result.affected !== 1) throw new AppError('CONFLICT', `quiz level ${known.id} changed meanwhile`);
        Object.assign(level, next);
      }
    }
    if (row.order !== undefined) wanted.set(level.id, row.order);
  }
  await renumberQuizLevels(manager, arranged(levels, wanted));
  const changes: QuizLevelChange[] = [];
  for (const [id, previous] of before) {
    const level = levels.find((candidate) => candidate.id === id);
    if (!level) continue;
    if (previous && previous.version === level.version && previous.sortOrder === level.sortOrder) continue;
    changes.push({ level: manager.create(QuizLevel, { ...level }), before: previous });
  }
  return changes;
}
