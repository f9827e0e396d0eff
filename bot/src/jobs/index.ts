/**
 * The job registry: every scheduled job, by name. Features add their jobs here (through their index.ts).
 */
import { dbMaintenanceJob } from './db-maintenance.job';
import type { Job } from './job';

export type { Job, JobContext } from './job';
export { JobLock } from './job-lock.entity';
export { runJobNow, type JobRunOutcome } from './runner';

export const allJobs: readonly Job[] = [dbMaintenanceJob];

export function findJob(name: string, jobs: readonly Job[] = allJobs): Job | undefined {
  return jobs.find((job) => job.name === name);
}
