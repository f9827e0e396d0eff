/**
 * Broadcasts: notices (通知), hot issues (热点问题), outage alerts (故障通告) and best cases (优秀案例) sent to
 * audiences as WeCom cards in batches of up to 1,000 through the outbox, signed mobile pages with read
 * tracking (WeCom OAuth), the weekly best-case push, training videos, and `通知` / `案例` / `视频`.
 */
import './broadcast.batches';
import './broadcast.templates';

export {
  Article,
  ARTICLE_KINDS,
  ARTICLE_STATUSES,
  type ArticleAudience,
  type ArticleKind,
  type ArticleStatus,
} from './article.entity';
export { ArticleRecipient, DELIVERY_STATUSES, type DeliveryStatus } from './article-recipient.entity';
export { ArticleReminder } from './article-reminder.entity';
export { TrainingVideo } from './training-video.entity';
export {
  ARTICLE_LIMITS,
  BEST_CASE_DEFAULT_AUDIENCE,
  EMPTY_AUDIENCE,
  VIDEO_LIMITS,
  checkArticle,
  checkVideo,
  effectiveAudience,
  formatDuration,
  isEmptyAudience,
  isHttpsUrl,
  parseDuration,
  readinessProblems,
  type ArticleInput,
  type BroadcastProblem,
  type VideoInput,
} from './broadcast.schema';
export { audienceIncludes, resolveAudience, type AudienceMember } from './broadcast.audience';
export {
  EDITABLE_STATUSES,
  MAX_SCHEDULE_AHEAD_MS,
  cancelScheduledArticle,
  saveArticleDraft,
  scheduleArticle,
  updateArticle,
  type CancelScheduledArticleProps,
  type SaveArticleDraftProps,
  type ScheduleArticleProps,
  type UpdateArticleProps,
} from './broadcast.commands';
export {
  REMINDER_MIN_INTERVAL_MS,
  markArticleRead,
  remindUnreadRecipients,
  sendArticleNow,
  startSendingArticle,
  type BroadcastLinkOptions,
  type MarkArticleReadProps,
  type ReadOutcome,
  type ReminderSent,
  type RemindUnreadProps,
  type SendArticleNowProps,
  type SendStarted,
} from './broadcast.sending';
export {
  createTrainingVideo,
  deactivateTrainingVideo,
  reorderTrainingVideos,
  updateTrainingVideo,
} from './video.commands';
export {
  articleDetail,
  bestCasesForWeek,
  findArticle,
  findVideo,
  listActiveVideos,
  listArticles,
  listUnreadRecipients,
  listVideos,
  recentArticlesFor,
  type ArticleCounts,
  type ArticleDetail,
  type ArticleListFilter,
  type ArticleListItem,
  type UnreadRecipient,
} from './broadcast.queries';
export {
  ARTICLE_LINK_TTL_SECONDS,
  articleCoverLink,
  articleLink,
  checkBroadcastLink,
  videoCoverLink,
  type BroadcastLinkCheck,
  type BroadcastLinkProps,
  type SignedTarget,
} from './broadcast.links';
export {
  articleCardTemplate,
  articleReminderTemplate,
  bestCaseMissingTemplate,
  kindKey,
  outageSmsTemplate,
} from './broadcast.templates';
export { bestCaseScheduleSetting, type BestCaseSchedule } from './broadcast.settings';
export { bestCaseWarningJob, bestCaseWeeklyJob, broadcastScheduledJob } from './broadcast.job';
export { createBroadcastFlows, type BroadcastFlowOptions } from './broadcast.flow';
