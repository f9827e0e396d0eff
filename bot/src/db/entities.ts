/**
 * Every entity the DataSource knows, gathered from the public `index.ts` of features and channels
 * (DESIGN §3). Whoever adds an entity adds it here.
 */
import { InboundMessageRecord, WecomAccessToken } from '../channels/wecom';
import { SettingEntry } from '../features/settings';
import { BindingCode, Department, DutyGroup, DutyGroupMember, Staff } from '../features/staff';
import { ConversationSession } from '../conversation/session.entity';
import { StaffCredential, WebSession } from '../features/accounts';
import { AuditEntry } from '../features/audit';
import { OutboxMessage } from '../notifications/outbox.entity';
import { JobLock } from '../jobs/job-lock.entity';
import { Report, ReportEvent, ReportSequence } from '../features/report';
import { KbEntry, KbLinkSecret, KbTerm, KbTermStat } from '../features/knowledge';
import { Ticket, TicketMessage, TicketSequence } from '../features/ticket';
import { ImportedTicket, RatingTask } from '../features/rating';
import { CompletionEvent, CompletionRequest, CompletionSequence } from '../features/completion';
import { PointsEntry, QuizAttempt, QuizLevel, QuizQuestion } from '../features/quiz';
import { Article, ArticleRecipient, ArticleReminder, TrainingVideo } from '../features/broadcast';

export const allEntities = [
  JobLock,
  SettingEntry,
  InboundMessageRecord,
  WecomAccessToken,
  Staff,
  DutyGroup,
  DutyGroupMember,
  OutboxMessage,
  Department,
  BindingCode,
  ConversationSession,
  StaffCredential,
  WebSession,
  AuditEntry,
  Report,
  ReportEvent,
  ReportSequence,
  KbEntry,
  KbTerm,
  KbTermStat,
  KbLinkSecret,
  Ticket,
  TicketMessage,
  TicketSequence,
  ImportedTicket,
  RatingTask,
  CompletionRequest,
  CompletionEvent,
  CompletionSequence,
  QuizLevel,
  QuizQuestion,
  QuizAttempt,
  PointsEntry,
  Article,
  ArticleRecipient,
  ArticleReminder,
  TrainingVideo,
];
