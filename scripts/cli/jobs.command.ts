import { findJob, JobLock, runJobNow } from '../../bot/src/jobs';
import { instanceId } from '../../bot/src/instance-id';
import { UsageError, type CliCommand } from './command';

export const jobListCommand: CliCommand = {
  name: 'job:list',
  summary: 'List scheduled jobs with their schedule and last run',
  usage: 'fieldline job:list',
  async run(args, { out, config, migratedDatabase, services }) {
    if (args.length > 0) throw new UsageError('job:list takes no arguments');
    const dataSource = await migratedDatabase();
    const { jobs } = await services();
    const rows = await dataSource.manager.find(JobLock);
    const byName = new Map(rows.map((row) => [row.name, row]));
    out(`Schedules are in ${config().timeZone}.`);
    for (const job of jobs) {
      const row = byName.get(job.name);
      const last = row?.lastStartedAt
        ? `last ${row.lastStatus ?? '?'} at ${row.lastStartedAt.toISOString()}${row.lastSummary ? ` — ${row.lastSummary}` : ''}`
        : 'never run';
      out(`${job.name.padEnd(24)} ${job.schedule.padEnd(16)} ${job.description}`);
      out(`${''.padEnd(24)} ${last}`);
    }
    return 0;
  },
};

export const jobRunCommand: CliCommand = {
  name: 'job:run',
  summary: 'Run one job once, now (refused while another instance is running it)',
  usage: 'fieldline job:run <name>',
  async run(args, { out, err, logger, migratedDatabase, services }) {
    const [name] = args;
    if (name === undefined || args.length > 1) throw new UsageError('expected exactly one job name');
    const dataSource = await migratedDatabase();
    const { jobs } = await services();
    const job = findJob(name, jobs);
    if (!job) {
      err(`No job named "${name}". Known jobs: ${jobs.map((known) => known.name).join(', ')}`);
      return 1;
    }
    const outcome = await runJobNow({ job, dataSource, logger: logger(), owner: `cli:${instanceId()}` });
    switch (outcome.status) {
      case 'succeeded':
        out(`${job.name}: succeeded in ${outcome.durationMs} ms — ${outcome.summary}`);
        return 0;
      case 'failed':
        err(`${job.name}: failed after ${outcome.durationMs} ms — ${outcome.error.message}`);
        return 1;
      case 'skipped':
        err(`${job.name}: not run — another instance is running it right now; try again shortly.`);
        return 75; // EX_TEMPFAIL
    }
  },
};
