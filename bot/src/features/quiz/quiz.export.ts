/**
 * The quiz bank exported for editing in a spreadsheet or for a backup: the questions (CSV with the
 * import's header plus `active`, or JSON with the same keys) and the levels (the levels file's format).
 * Both go back in through `quiz:import` unchanged: CSV cells a spreadsheet would run as a formula are
 * written with a leading apostrophe, which the import removes again.
 */
import type { EntityManager } from 'typeorm';
import { excelCsv, spreadsheetSafe } from '../staff';
import { QuizLevel } from './quiz-level.entity';
import { QuizQuestion } from './quiz-question.entity';
import { QUIZ_EXPORT_HEADER } from './quiz.import';
import { QUIZ_LEVELS_HEADER } from './quiz-levels.import';

export type QuizExportFormat = 'csv' | 'json';

/** An exported file's text and how many rows (questions or levels) it holds. */
export interface QuizExport {
  readonly text: string;
  readonly count: number;
}

/** Every question (active or not), by level order then id, and how many there are. */
export async function exportQuizQuestions(
  manager: EntityManager,
  format: QuizExportFormat,
): Promise<QuizExport> {
  const levels = await manager.find(QuizLevel, { order: { sortOrder: 'ASC', id: 'ASC' } });
  const questions = await manager.find(QuizQuestion, { order: { id: 'ASC' } });
  const rank = new Map(levels.map((level, index) => [level.id, index]));
  const names = new Map(levels.map((level) => [level.id, level.name]));
  const items = questions
    .sort((a, b) => (rank.get(a.levelId) ?? 0) - (rank.get(b.levelId) ?? 0) || a.id - b.id)
    .map((question) => ({
      level: names.get(question.levelId) ?? '',
      type: question.type,
      stem: question.stem,
      options: question.options,
      answer: question.answer,
      explanation: question.explanation ?? '',
      tags: question.tags,
      active: question.isActive,
    }));
  if (format === 'json') return { text: `${JSON.stringify(items, null, 2)}\n`, count: items.length };
  const csv = excelCsv([
    QUIZ_EXPORT_HEADER,
    ...items.map((item) =>
      [
        item.level,
        item.type,
        item.stem,
        item.options.join('|'),
        item.answer,
        item.explanation,
        item.tags.join(';'),
        item.active ? '1' : '0',
      ].map(spreadsheetSafe),
    ),
  ]);
  return { text: csv, count: items.length };
}

/**
 * Every level in play order, with its position and settings (the levels file of `quiz:import --levels`),
 * and how many there are.
 */
export async function exportQuizLevels(
  manager: EntityManager,
  format: QuizExportFormat,
): Promise<QuizExport> {
  const levels = await manager.find(QuizLevel, { order: { sortOrder: 'ASC', id: 'ASC' } });
  const items = levels.map((level, index) => ({
    level: level.name,
    order: index + 1,
    questions: level.questionsPerAttempt,
    passPercent: level.passPercent,
    points: level.points,
  }));
  if (format === 'json') return { text: `${JSON.stringify(items, null, 2)}\n`, count: items.length };
  const csv = excelCsv([
    QUIZ_LEVELS_HEADER,
    ...items.map((item) => [
      spreadsheetSafe(item.level),
      String(item.order),
      String(item.questions),
      String(item.passPercent),
      String(item.points),
    ]),
  ]);
  return { text: csv, count: items.length };
}
