/** Two-way tier ratings (三级支撑评价): tasks after archived tickets, ratings, and the managers' review. */
export { RatingTask, type RatingSide, type RatingTaskStatus } from './rating-task.entity';
export { ImportedTicket } from './imported-ticket.entity';
export {
  MIN_RATINGS_SHOWN,
  ownRatingSummary,
  ratingReview,
  ratingReviewCsv,
  type OwnRatingSummary,
  type RatingAggregate,
  type RatingReview,
  type RatingReviewFilter,
  type TrendGranularity,
} from './rating.review';
export {
  evaluationSheet,
  sheetCsv,
  sheetWorkbook,
  type EvaluationSheet,
  type SheetRow,
} from './rating.sheet';
export { sheetWeightsSetting } from './rating.review.settings';
export { ratingSheetTemplate } from './rating.review.templates';
export { firstWorkingDay, ratingSheetMailJob } from './rating.review.job';
export { generateRatingTasks, rateTask, type RateTaskProps } from './rating.commands';
export {
  findRatingTask,
  isRatingOpen,
  listEditableRatings,
  listPendingRatings,
  ratingTagsFor,
} from './rating.queries';
export { createRatingFlow } from './rating.flow';
export { ratingRemindersJob, ratingTasksJob } from './rating.job';
export {
  checkTicketImport,
  importTickets,
  TICKET_IMPORT_HEADER,
  type ImportedTicketRow,
  type TicketImportError,
} from './rating.import';
export {
  RATING_EDIT_WINDOW_MS,
  ratingExpirySetting,
  ratingScheduleSetting,
  ratingTagsSetting,
} from './rating.settings';
export { ratingCardTemplate, ratingReminderTemplate } from './rating.templates';
