/**
 * Runs one job for one tick under the cross-instance claim, and records how it went. Used by the
 * scheduler (a tick fired by cron) and by `fieldline job:run` (a manual run, tick = now).
 */
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import type { Job } from './job';
import { claimJobTick } from './job-claim';

export const DEFAULT_JOB_TIMEOUT_MS = 10 * 60 * 1000;

export type JobRunOutcome =
  | { readonly status: 'succeeded'; readonly summary: string; readonly durationMs: number }
  | { readonly status: 'failed'; readonly error: Error; readonly durationMs: number }
  | { readonly status: 'skipped'; readonly reason: 'busy' | 'already-ran' };

export interface RunJobProps {
  readonly job: Job;
  readonly dataSource: DataSource;
  readonly logger: Logger;
  /** Identifies this instance in `job_lock.locked_by`. */
  readonly owner: string;
  readonly tick: Date;
  /** Clock for tests; defaults to the real one. */
  readonly clock?: () => Date;
}

export async function runJobForTick(props: RunJobProps): Promise<JobRunOutcome> {
  const { job, dataSource, owner, tick } = props;
  const clock = props.clock ?? (() => new Date());
  const log = props.logger.child({ job: job.name, tick: tick.toISOString() });
  const claimed = await claimJobTick({
    dataSource,
    job: job.name,
    tick,
    owner,
    now: clock(),
    leaseMs: job.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS,
  });
  if (!claimed.claimed) {
    log.debug({ reason: claimed.reason }, 'job tick skipped');
    return { status: 'skipped', reason: claimed.reason };
  }
  const startedAt = Date.now();
  try {
    const summary = (await job.run({ now: tick, manager: dataSource.manager, logger: log })) ?? 'done';
    const durationMs = Date.now() - startedAt;
    await claimed.claim.finish({ status: 'succeeded', summary, at: clock() });
    log[job.isFrequent ? 'debug' : 'info']({ durationMs, summary }, 'job finished');
    return { status: 'succeeded', summary, durationMs };
  } catch (thrown) {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    const durationMs = Date.now() - startedAt;
    await claimed.claim.finish({ status: 'failed', summary: error.message, at: clock() });
    log.error({ err: error, durationMs }, 'job failed');
    return { status: 'failed', error, durationMs };
  }
}

/** A manual run: the tick is "now", so it never collides with a scheduled tick already run. */
export function runJobNow(props: Omit<RunJobProps, 'tick'>): Promise<JobRunOutcome> {
  const clock = props.clock ?? (() => new Date());
  return runJobForTick({ ...props, tick: clock() });
}
