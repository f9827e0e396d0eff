/**
 * Every migration, in order. Listed explicitly (rather than found by a file glob) so the same list works
 * from TypeScript in tests and from compiled JavaScript in production; a test checks nothing is missing.
 * Name files `<epoch-ms>-<PascalVerbNoun>.ts`; write them with the QueryRunner schema API so one file
 * runs on SQLite and MySQL/MariaDB alike, with a real `down`.
 */
import { CreateJobLockAndSetting1795317671810 } from './1795317671810-CreateJobLockAndSetting';
import { CreateWecomInboxAndToken1795319494839 } from './1795319494839-CreateWecomInboxAndToken';
import { CreateStaffDutyGroupsAndOutbox1795322744652 } from './1795322744652-CreateStaffDutyGroupsAndOutbox';
import { CreateDepartmentsBindingAndSessions1795324694557 } from './1795324694557-CreateDepartmentsBindingAndSessions';
import { CreateCredentialsSessionsAndAudit1795326224637 } from './1795326224637-CreateCredentialsSessionsAndAudit';
import { CreateReports1795328559897 } from './1795328559897-CreateReports';
import { CreateKnowledgeBase1795330000000 } from './1795330000000-CreateKnowledgeBase';
import { CreateTickets1795332000000 } from './1795332000000-CreateTickets';
import { CreateRatings1795336000000 } from './1795336000000-CreateRatings';
import { CreateCompletionRequests1795334000000 } from './1795334000000-CreateCompletionRequests';
import { CreateQuizzesAndPoints1795338000000 } from './1795338000000-CreateQuizzesAndPoints';
import { AddQuizBankVersions1795340000000 } from './1795340000000-AddQuizBankVersions';
import { CreateBroadcasts1795342000000 } from './1795342000000-CreateBroadcasts';

export const allMigrations = [
  CreateJobLockAndSetting1795317671810,
  CreateWecomInboxAndToken1795319494839,
  CreateStaffDutyGroupsAndOutbox1795322744652,
  CreateDepartmentsBindingAndSessions1795324694557,
  CreateCredentialsSessionsAndAudit1795326224637,
  CreateReports1795328559897,
  CreateKnowledgeBase1795330000000,
  CreateTickets1795332000000,
  CreateCompletionRequests1795334000000,
  CreateRatings1795336000000,
  CreateQuizzesAndPoints1795338000000,
  AddQuizBankVersions1795340000000,
  CreateBroadcasts1795342000000,
];
