import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { openDataSource, silentLogger, sleep, testDatabaseKind, useTestDatabase } from '../../test/support';
import type { Job } from './job';
import { JobLock } from './job-lock.entity';
import { runJobNow } from './runner';
import { Scheduler, validateSchedules } from './scheduler';

/** A job that records every tick it ran for, and can be made slow or failing. */
function recordingJob(name: string, options: { delayMs?: number; fail?: boolean; schedule?: string } = {}) {
  const ticks: string[] = [];
  const job: Job = {
    name,
    description: 'test job',
    schedule: options.schedule ?? '0 0 1 1 *',
    async run({ now }) {
      ticks.push(now.toISOString());
      if (options.delayMs) await sleep(options.delayMs);
      if (options.fail) throw new Error('the job broke');
      return `ran for ${now.toISOString()}`;
    },
  };
  return { job, ticks };
}

describe('scheduler across instances', () => {
  const db = useTestDatabase();
  let second: DataSource;
  const schedulers: Scheduler[] = [];
  const instance = (dataSource: DataSource, jobs: Job[], owner: string) => {
    const scheduler = new Scheduler({
      jobs,
      dataSource,
      logger: silentLogger,
      timeZone: 'Asia/Shanghai',
      owner,
    });
    schedulers.push(scheduler);
    return scheduler;
  };

  beforeAll(async () => {
    second = await openDataSource(db().database.config, { migrate: false });
  });
  /**
   * The DataSource a second instance uses. On MySQL/MariaDB it is a separate connection pool, as another
   * process would have. better-sqlite3 is synchronous, so two SQLite connections in one process can
   * block each other's event loop; SQLite's cross-process case is covered by job-claim.process.test.ts.
   */
  const peer = () => (testDatabaseKind() === 'mysql' ? second : db().dataSource);
  afterAll(async () => {
    await Promise.all(schedulers.map((scheduler) => scheduler.stop()));
    await second.destroy();
  });

  it('runs a tick once when two instances sharing the database fire it together', async () => {
    const { job, ticks } = recordingJob('shared-tick', { delayMs: 50 });
    const a = instance(db().dataSource, [job], 'instance-a');
    const b = instance(peer(), [job], 'instance-b');
    const tick = new Date('2026-11-22T00:30:00.000Z');

    const outcomes = await Promise.all([
      a.fire(job, tick),
      b.fire(job, tick),
      a.fire(job, tick),
      b.fire(job, tick),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'succeeded')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === 'skipped')).toHaveLength(3);
    expect(ticks).toEqual([tick.toISOString()]);

    // A later instance firing the same (already run) tick is told so.
    expect(await b.fire(job, tick)).toEqual({ status: 'skipped', reason: 'already-ran' });

    const next = new Date('2026-11-22T00:31:00.000Z');
    await Promise.all([a.fire(job, next), b.fire(job, next)]);
    expect(ticks).toEqual([tick.toISOString(), next.toISOString()]);

    const row = await db().dataSource.manager.findOneByOrFail(JobLock, { name: 'shared-tick' });
    expect(row).toMatchObject({ runCount: 2, lastStatus: 'succeeded', lockedBy: null });
    expect(row.lastTickAt?.toISOString()).toBe(next.toISOString());
    expect(row.lastSummary).toBe(`ran for ${next.toISOString()}`);
  });

  it('fires on the real cron schedule in both instances and still runs each tick once', async () => {
    const { job, ticks } = recordingJob('every-second', { schedule: '* * * * * *', delayMs: 20 });
    const a = instance(db().dataSource, [job], 'cron-a');
    const b = instance(peer(), [job], 'cron-b');
    a.start();
    b.start();
    await sleep(3300);
    await Promise.all([a.stop(), b.stop()]);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const tick of ticks) expect(tick).toMatch(/:\d\d\.000Z$/);
  });

  it('records a failed run with its error and lets the next tick run', async () => {
    const { job } = recordingJob('failing', { fail: true });
    const a = instance(db().dataSource, [job], 'instance-a');
    const outcome = await a.fire(job, new Date('2026-11-22T01:00:00.000Z'));
    expect(outcome).toMatchObject({ status: 'failed', error: { message: 'the job broke' } });
    const row = await db().dataSource.manager.findOneByOrFail(JobLock, { name: 'failing' });
    expect(row).toMatchObject({ lastStatus: 'failed', lastSummary: 'the job broke', lockedBy: null });
    expect((await a.fire(job, new Date('2026-11-22T01:01:00.000Z'))).status).toBe('failed');
  });

  it('does not let a second instance start a run while the first is still running', async () => {
    const { job, ticks } = recordingJob('slow', { delayMs: 400 });
    const a = instance(db().dataSource, [job], 'instance-a');
    const b = instance(second, [job], 'instance-b');
    const first = a.fire(job, new Date('2026-11-22T02:00:00.000Z'));
    await sleep(150);
    expect(await b.fire(job, new Date('2026-11-22T02:01:00.000Z'))).toEqual({
      status: 'skipped',
      reason: 'busy',
    });
    expect((await first).status).toBe('succeeded');
    expect(ticks).toHaveLength(1);
  });

  it('takes over from an instance that died mid-run', async () => {
    const { job, ticks } = recordingJob('orphaned');
    const manager = db().dataSource.manager;
    // The dead instance claimed a tick and never finished; its lease runs for another minute.
    await manager.save(JobLock, {
      name: 'orphaned',
      lastTickAt: new Date('2026-11-22T03:00:00.000Z'),
      lockedBy: 'dead-instance',
      lockedUntil: new Date(Date.now() + 60_000),
      lastStatus: 'running',
      runCount: 1,
    });
    const b = instance(second, [job], 'instance-b');
    const nextTick = new Date('2026-11-22T03:01:00.000Z');
    if (testDatabaseKind() === 'mysql') {
      // GET_LOCK died with the dead instance's connection: the next tick runs at once.
      expect((await b.fire(job, nextTick)).status).toBe('succeeded');
    } else {
      // SQLite: the lease must lapse first.
      expect(await b.fire(job, nextTick)).toEqual({ status: 'skipped', reason: 'busy' });
      await manager.update(JobLock, { name: 'orphaned' }, { lockedUntil: new Date(Date.now() - 1000) });
      expect((await b.fire(job, nextTick)).status).toBe('succeeded');
    }
    expect(ticks).toEqual([nextTick.toISOString()]);
  });

  it('runs a job on demand with "now" as its tick', async () => {
    const { job, ticks } = recordingJob('manual');
    const now = new Date('2026-11-22T04:00:00.123Z');
    const outcome = await runJobNow({
      job,
      dataSource: db().dataSource,
      logger: silentLogger,
      owner: 'cli',
      clock: () => now,
    });
    expect(outcome.status).toBe('succeeded');
    expect(ticks).toEqual([now.toISOString()]);
  });

  it('refuses invalid cron expressions, naming the job', () => {
    const { job } = recordingJob('bad-cron', { schedule: 'every day at noon' });
    expect(() => validateSchedules([job])).toThrow(/bad-cron "every day at noon"/);
  });
});
