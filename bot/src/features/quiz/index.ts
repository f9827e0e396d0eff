/**
 * 我爱闯关 (levelled quizzes from the question bank) and the points ledger (积分): what the rest of the
 * application uses. The feature's own tests import its files directly.
 */
export { QuizLevel } from './quiz-level.entity';
export { QuizQuestion, type QuizQuestionType } from './quiz-question.entity';
export { QuizAttempt } from './quiz-attempt.entity';
export { PointsEntry } from './points-entry.entity';
export { creditPoints, creditReportPoints } from './points.commands';
export { listQuizLevels } from './quiz.queries';
export { createQuizFlow, pointsFlow } from './quiz.flow';
export { quizExpiryJob } from './quiz.job';
export { quizLeaderboardJob } from './leaderboard.job';
export {
  checkQuizImport,
  importFailuresOf,
  QUIZ_IMPORT_HEADER,
  type QuizImportError,
  type QuizImportPart,
  type QuizImportSource,
} from './quiz.import';
export { checkQuizLevelsImport, QUIZ_LEVELS_HEADER } from './quiz-levels.import';
export { splitQuizTags, QUIZ_LIMITS, QUIZ_TYPES, type QuizProblem } from './quiz.schema';
export {
  createQuizLevel,
  createQuizQuestion,
  importQuizBank,
  moveQuizLevel,
  setQuizQuestionActive,
  updateQuizLevel,
  updateQuizQuestion,
  type QuizQuestionForm,
} from './quiz-bank.commands';
export {
  findQuizLevel,
  findQuizQuestion,
  listQuizLevelSummaries,
  listQuizQuestions,
  listQuizTags,
} from './quiz-bank.queries';
export { exportQuizLevels, exportQuizQuestions, type QuizExport, type QuizExportFormat } from './quiz.export';
export { monthlyPoints, pointsLedger, type MonthlyPoints, type PointsLedgerLine } from './points.report';
export { pointsCsv, pointsWorkbook } from './points.sheet';
export { LEVEL_DEFAULTS } from './quiz.settings';
