/** Offline completion requests (线下报竣): the WeCom flow, the completion desk's commands and the queries. */
export {
  CompletionRequest,
  COMPLETION_STATUSES,
  OPEN_COMPLETION_STATUSES,
  type CompletionPhoto,
  type CompletionStatus,
} from './completion.entity';
export { CompletionEvent, type CompletionEventType } from './completion-event.entity';
export { CompletionSequence } from './completion-sequence.entity';
export {
  applyOrderSystemAnswer,
  checkOrderNo,
  claimCompletion,
  completeCompletion,
  rejectCompletion,
  submitCompletion,
  COMPLETION_DESK_GROUP,
  type SubmitCompletionProps,
} from './completion.commands';
export {
  completionTimeline,
  countCompletions,
  findCompletion,
  listCompletions,
  resubmissionOf,
  COMPLETION_QUEUES,
  type CompletionQueue,
  type CompletionQueueFilter,
} from './completion.queries';
export { completionStats, completionsCsv, type CompletionStats } from './completion.stats';
export { createCompletionFlow } from './completion.flow';
export { completionOpenItems } from './completion.open-items';
export { completionRealertsJob } from './completion.job';
export {
  businessTypesSetting,
  opticalPowerSetting,
  orderNoPatternSetting,
  realertSetting,
  rejectReasonsSetting,
  type BusinessType,
} from './completion.settings';
