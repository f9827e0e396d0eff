/** 我爱闯关 (levelled quizzes from the question bank) and the points ledger (积分). */
export { QuizLevel } from './quiz-level.entity';
export { QuizQuestion, type QuizQuestionType } from './quiz-question.entity';
export { QuizAttempt, type QuizAnswer, type QuizAttemptStatus } from './quiz-attempt.entity';
export { PointsEntry, type PointsSourceType } from './points-entry.entity';
export { creditPoints, creditReportPoints, type ClosedReport } from './points.commands';
export { pointsStanding, type PointsStanding } from './points.queries';
export { answerQuestion, expireIdleAttempts, settleOpenAttempts, startAttempt } from './quiz.commands';
export { activeQuestions, attemptsToday, currentQuizLevel, listQuizLevels } from './quiz.queries';
export { createQuizFlow, pointsFlow } from './quiz.flow';
export { quizExpiryJob } from './quiz.job';
export {
  checkQuizImport,
  importQuizQuestions,
  QUIZ_IMPORT_HEADER,
  type QuizImportError,
  type QuizImportRow,
} from './quiz.import';
export { LEVEL_DEFAULTS, quizLimitsSetting, reportPointsSetting } from './quiz.settings';
