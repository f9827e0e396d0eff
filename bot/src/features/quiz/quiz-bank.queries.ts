/**
 * Reading the quiz bank for its editors: levels with their question counts, and questions filtered by
 * level, type, tag, active state and text. A bank holds hundreds, at most a few thousand short questions,
 * so the tag and text filters (tags are a JSON list in a text column) run in memory on the rows the
 * level and type filters select in SQL — portable across SQLite and MariaDB, and quick at that size.
 */
import type { EntityManager, FindOptionsWhere } from 'typeorm';
import { QuizLevel } from './quiz-level.entity';
import { QuizQuestion, type QuizQuestionType } from './quiz-question.entity';

/** A level with how many of its questions are in play and how many are deactivated. */
export interface QuizLevelSummary {
  readonly level: QuizLevel;
  readonly active: number;
  readonly inactive: number;
}

/** Every level in play order, with its question counts. */
export async function listQuizLevelSummaries(manager: EntityManager): Promise<QuizLevelSummary[]> {
  const [levels, counts] = await Promise.all([
    manager.find(QuizLevel, { order: { sortOrder: 'ASC', id: 'ASC' } }),
    manager
      .createQueryBuilder(QuizQuestion, 'question')
      .select('question.levelId', 'levelId')
      .addSelect('question.isActive', 'isActive')
      .addSelect('COUNT(*)', 'count')
      .groupBy('question.levelId')
      .addGroupBy('question.isActive')
      .getRawMany<{
        levelId: number | string;
        isActive: number | string | boolean;
        count: number | string;
      }>(),
  ]);
  const tally = new Map<string, number>(
    counts.map((row) => [`${Number(row.levelId)}:${Number(row.isActive) === 1}`, Number(row.count)]),
  );
  return levels.map((level) => ({
    level,
    active: tally.get(`${level.id}:true`) ?? 0,
    inactive: tally.get(`${level.id}:false`) ?? 0,
  }));
}

export interface QuizQuestionFilter {
  readonly levelId?: number;
  readonly type?: QuizQuestionType;
  readonly tag?: string;
  readonly isActive?: boolean;
  /** Words that must all appear in the stem, an option or the explanation (any letter case). */
  readonly search?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export interface QuizQuestionList {
  /** The page asked for, by level order then id. */
  readonly items: QuizQuestion[];
  /** Questions matching every filter. */
  readonly total: number;
  /** Of the questions matching every filter but the active one: how many are active and inactive. */
  readonly active: number;
  readonly inactive: number;
}

/** The bank's questions matching `filter`, a page of them, and the counts the list shows. */
export async function listQuizQuestions(
  manager: EntityManager,
  filter: QuizQuestionFilter = {},
): Promise<QuizQuestionList> {
  const where: FindOptionsWhere<QuizQuestion> = {};
  if (filter.levelId !== undefined) where.levelId = filter.levelId;
  if (filter.type !== undefined) where.type = filter.type;
  const [levels, questions] = await Promise.all([
    manager.find(QuizLevel, { select: { id: true, sortOrder: true } }),
    manager.find(QuizQuestion, { where, order: { id: 'ASC' } }),
  ]);
  const position = new Map(levels.map((level) => [level.id, level.sortOrder]));
  const words = (filter.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const matching = questions.filter((question) => {
    if (filter.tag !== undefined && !question.tags.includes(filter.tag)) return false;
    if (words.length === 0) return true;
    const text = [question.stem, ...question.options, question.explanation ?? ''].join('\n').toLowerCase();
    return words.every((word) => text.includes(word));
  });
  const shown = matching
    .filter((question) => filter.isActive === undefined || question.isActive === filter.isActive)
    .sort((a, b) => (position.get(a.levelId) ?? 0) - (position.get(b.levelId) ?? 0) || a.id - b.id);
  const offset = filter.offset ?? 0;
  return {
    items: shown.slice(offset, offset + (filter.limit ?? 100)),
    total: shown.length,
    active: matching.filter((question) => question.isActive).length,
    inactive: matching.filter((question) => !question.isActive).length,
  };
}

/** Every tag used in the bank, sorted. */
export async function listQuizTags(manager: EntityManager): Promise<string[]> {
  const questions = await manager.find(QuizQuestion, { select: { id: true, tags: true } });
  return [...new Set(questions.flatMap((question) => question.tags))].sort((a, b) =>
    a.localeCompare(b, 'zh-CN'),
  );
}

/** A question by id, or null. */
export function findQuizQuestion(manager: EntityManager, id: number): Promise<QuizQuestion | null> {
  return Number.isSafeInteger(id) ? manager.findOneBy(QuizQuestion, { id }) : Promise.resolve(null);
}

/** A level by id, or null. */
export function findQuizLevel(manager: EntityManager, id: number): Promise<QuizLevel | null> {
  return Number.isSafeInteger(id) ? manager.findOneBy(QuizLevel, { id }) : Promise.resolve(null);
}
