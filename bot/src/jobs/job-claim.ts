/**
 * "This job, for this tick, runs exactly once, however many instances fire it."
 *
 * A tick is the cron's scheduled instant, which every instance computes identically. The `job_lock` row
 * remembers the last tick run; a guarded UPDATE moves it forward, so only one claimant can win a tick.
 * MySQL/MariaDB additionally holds GET_LOCK for the duration of the run (no overlap, instant release on
 * crash). SQLite uses a lease (`locked_until`) renewed while the job runs, so a crashed holder is replaced
 * once its lease lapses.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { isMysql } from '../db/data-source';
import { acquireMysqlLock, type HeldLock } from '../db/locks';
import { inTransaction } from '../db/transaction';
import { JobLock, type JobRunStatus } from './job-lock.entity';

export interface JobTickClaim {
  /** Records how the run ended and gives the lock up. Safe to call more than once. */
  finish(outcome: { status: Exclude<JobRunStatus, 'running'>; summary: string; at: Date }): Promise<void>;
}

export type ClaimResult =
  | { readonly claimed: true; readonly claim: JobTickClaim }
  | { readonly claimed: false; readonly reason: 'busy' | 'already-ran' };

export interface ClaimJobTickProps {
  readonly dataSource: DataSource;
  readonly job: string;
  /** The scheduled instant this run is for; a manual run uses "now". */
  readonly tick: Date;
  readonly owner: string;
  readonly now: Date;
  /** SQLite lease length; renewed every third of it while the run lasts. */
  readonly leaseMs: number;
}

/** Moves the job's tick forward if nobody ran this tick yet (and, with a lease, nobody holds it). */
async function advanceTick(
  manager: EntityManager,
  props: ClaimJobTickProps,
  useLease: boolean,
): Promise<boolean> {
  const { job, tick, owner, now, leaseMs } = props;
  await manager
    .createQueryBuilder()
    .insert()
    .into(JobLock)
    .values({ name: job, runCount: 0 })
    .orIgnore()
    .execute();
  const update = manager
    .createQueryBuilder()
    .update(JobLock)
    .set({
      lastTickAt: tick,
      lockedBy: owner,
      lockedUntil: new Date(now.getTime() + leaseMs),
      lastStartedAt: now,
      lastStatus: 'running',
      runCount: () => 'run_count + 1',
    })
    .where('name = :job', { job })
    .andWhere('(last_tick_at IS NULL OR last_tick_at < :tick)', { tick });
  if (useLease) update.andWhere('(locked_until IS NULL OR locked_until < :now)', { now });
  const result = await update.execute();
  return result.affected === 1;
}

function startLeaseRenewal(props: ClaimJobTickProps): NodeJS.Timeout {
  const { dataSource, job, owner, leaseMs } = props;
  const timer = setInterval(
    () => {
      void inTransaction(dataSource, (manager) =>
        manager
          .createQueryBuilder()
          .update(JobLock)
          .set({ lockedUntil: new Date(Date.now() + leaseMs) })
          .where('name = :job AND locked_by = :owner', { job, owner })
          .execute(),
      ).catch(() => undefined); // a missed renewal only shortens the lease
    },
    Math.max(1000, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return timer;
}

/** Tries to become the one runner of `job` for `tick`. */
export async function claimJobTick(props: ClaimJobTickProps): Promise<ClaimResult> {
  const { dataSource, job, tick, owner } = props;
  const mysql = isMysql(dataSource);
  let mysqlLock: HeldLock | undefined;
  if (mysql) {
    mysqlLock = await acquireMysqlLock(dataSource, `job:${job}`, 0);
    if (!mysqlLock) return { claimed: false, reason: 'busy' };
  }
  try {
    const won = await inTransaction(dataSource, (manager) => advanceTick(manager, props, !mysql));
    if (!won) {
      const row = await dataSource.manager.findOneByOrFail(JobLock, { name: job });
      await mysqlLock?.release();
      const alreadyRan = row.lastTickAt !== null && row.lastTickAt.getTime() >= tick.getTime();
      return { claimed: false, reason: alreadyRan ? 'already-ran' : 'busy' };
    }
  } catch (error) {
    await mysqlLock?.release();
    throw error;
  }

  const renewal = mysql ? undefined : startLeaseRenewal(props);
  let finished = false;
  return {
    claimed: true,
    claim: {
      async finish(outcome) {
        if (finished) return;
        finished = true;
        if (renewal) clearInterval(renewal);
        try {
          await inTransaction(dataSource, (manager) =>
            manager
              .createQueryBuilder()
              .update(JobLock)
              .set({
                lockedBy: null,
                lockedUntil: null,
                lastFinishedAt: outcome.at,
                lastStatus: outcome.status,
                lastSummary: outcome.summary.slice(0, 2000),
              })
              .where('name = :job AND locked_by = :owner', { job, owner })
              .execute(),
          );
        } finally {
          await mysqlLock?.release();
        }
      },
    },
  };
}
