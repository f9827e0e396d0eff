/**
 * Jobs that need nothing but the database. The full list — these plus the jobs of channels and features,
 * which need their services — is assembled in services.ts.
 */
import { dbMaintenanceJob } from './db-maintenance.job';
import type { Job } from './job';

export type { Job, JobContext } from './job';
export { JobLock } from './job-lock.entity';
export { runJobNow, type JobRunOutcome } from './runner';

export const coreJobs: readonly Job[] = [dbMaintenanceJob];

export function findJob(name: string, jobs: readonly Job[]): Job | undefined {
  return jobs.find((job) => job.name === name);
}
