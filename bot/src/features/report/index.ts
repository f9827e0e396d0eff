/** Hazard (隐患) and business-lead (商机) reports: the WeCom flows, the desk's commands and the queries. */
export { Report, HAZARD_RESOLUTIONS, LEAD_RESOLUTIONS, REPORT_KINDS } from './report.entity';
export type { ReportKind, ReportStatus, Resolution } from './report.entity';
export { ReportEvent, type ReportEventType } from './report-event.entity';
export { ReportSequence } from './report-sequence.entity';
export {
  addReportNote,
  assignReport,
  canActOnReport,
  closeReport,
  reopenReport,
  resolutionsFor,
  submitReport,
  DESK_GROUP,
  MAX_PHOTOS,
  type Assignee,
  type SubmitReportProps,
} from './report.commands';
export {
  countOpenReports,
  findReport,
  findReportByRefNo,
  listReports,
  openReportsOf,
  reportStats,
  reportTimeline,
  type ReportFilter,
  type ReportStats,
} from './report.queries';
export { reportsCsv } from './report.csv';
export { createReportFlow } from './report.flow';
export { reportOpenItems } from './report.open-items';
export { reportRemindersJob } from './report.job';
export {
  criticalHazardCategoriesSetting,
  hazardCategoriesSetting,
  leadCategoriesSetting,
  reportReminderSetting,
} from './report.settings';
