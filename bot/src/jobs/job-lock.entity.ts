import { Column, Entity, PrimaryColumn } from 'typeorm';
import { datetimeColumn } from '../db/columns';

export type JobRunStatus = 'running' | 'succeeded' | 'failed';

/**
 * One row per scheduled job: which tick it last ran for (so a tick runs once however many instances
 * fire it), who holds it now (SQLite lease; MySQL uses GET_LOCK on top), and how the last run went.
 */
@Entity({ name: 'job_lock' })
export class JobLock {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  name!: string;

  @Column(datetimeColumn('last_tick_at', { nullable: true }))
  lastTickAt!: Date | null;

  @Column({ name: 'locked_by', type: 'varchar', length: 100, nullable: true })
  lockedBy!: string | null;

  @Column(datetimeColumn('locked_until', { nullable: true }))
  lockedUntil!: Date | null;

  @Column(datetimeColumn('last_started_at', { nullable: true }))
  lastStartedAt!: Date | null;

  @Column(datetimeColumn('last_finished_at', { nullable: true }))
  lastFinishedAt!: Date | null;

  @Column({ name: 'last_status', type: 'varchar', length: 20, nullable: true })
  lastStatus!: JobRunStatus | null;

  @Column({ name: 'last_summary', type: 'text', nullable: true })
  lastSummary!: string | null;

  @Column({ name: 'run_count', type: 'integer', default: 0 })
  runCount!: number;
}
