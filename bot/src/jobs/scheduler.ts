/**
 * The only importer of node-cron (DESIGN §3). Fires each registered job on its schedule in the configured
 * time zone; the claim in job-claim.ts makes a tick run once however many instances fire it.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import type { Job } from './job';
import { runJobForTick, type JobRunOutcome } from './runner';

export interface SchedulerOptions {
  readonly jobs: readonly Job[];
  readonly dataSource: DataSource;
  readonly logger: Logger;
  readonly timeZone: string;
  /** Identifies this instance in `job_lock.locked_by`. */
  readonly owner: string;
}

/** Throws if a job's cron expression is invalid, naming the job. */
export function validateSchedules(jobs: readonly Job[]): void {
  const bad = jobs.filter((job) => !cron.validate(job.schedule));
  if (bad.length > 0) {
    throw new Error(`invalid cron schedule: ${bad.map((job) => `${job.name} "${job.schedule}"`).join(', ')}`);
  }
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Set<Promise<JobRunOutcome>>();

  constructor(private readonly options: SchedulerOptions) {
    validateSchedules(options.jobs);
  }

  start(): void {
    for (const job of this.options.jobs) {
      const task = cron.schedule(job.schedule, (context) => this.fire(job, context.date), {
        name: job.name,
        timezone: this.options.timeZone,
        noOverlap: true,
      });
      this.tasks.push(task);
    }
    this.options.logger.info(
      {
        jobs: this.options.jobs.map((job) => `${job.name} (${job.schedule})`),
        timeZone: this.options.timeZone,
      },
      'scheduler started',
    );
  }

  /** Runs `job` for the scheduled instant `tick`; what cron calls, and what tests call directly. */
  fire(job: Job, tick: Date): Promise<JobRunOutcome> {
    const run = runJobForTick({
      job,
      tick,
      dataSource: this.options.dataSource,
      logger: this.options.logger,
      owner: this.options.owner,
    }).catch((error: unknown): JobRunOutcome => {
      // The claim itself failed (database gone); the next tick tries again.
      this.options.logger.error({ err: error, job: job.name }, 'job could not be started');
      return {
        status: 'failed',
        error: error instanceof Error ? error : new Error(String(error)),
        durationMs: 0,
      };
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }

  /** Stops firing new ticks and waits for runs in progress to end. */
  async stop(): Promise<void> {
    for (const task of this.tasks) {
      await task.stop();
      await task.destroy();
    }
    this.tasks.length = 0;
    await Promise.allSettled([...this.running]);
  }
}
