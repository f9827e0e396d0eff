import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cliEnv, runCliCaptured } from '../../bot/test/cli';
import { createTestDatabase, openDataSource, type TestDatabase } from '../../bot/test/support';
import { allMigrations } from '../../migrations';
import { inTransaction } from '../../bot/src/db/transaction';
import { OutboxMessage } from '../../bot/src/notifications';
import { AuditEntry } from '../../bot/src/features/audit';

function outboxRow(
  overrides: Partial<Omit<OutboxMessage, 'data'>>,
): Partial<Omit<OutboxMessage, 'data'>> & { data: object } {
  return {
    channel: 'sms',
    recipientKind: 'staff',
    recipientRef: '7',
    template: 'test.alert',
    data: { text: 'x' },
    dedupeKey: `cli:${overrides.id ?? 0}`,
    urgency: 'normal',
    attempts: 8,
    nextAttemptAt: new Date(),
    isOnDuty: false,
    createdAt: new Date(),
    ...overrides,
  };
}

describe('fieldline CLI', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase();
    env = cliEnv(database);
  });
  afterAll(() => database.drop());

  const cli = (...argv: string[]) => runCliCaptured(env, argv);

  it('prints help listing every command', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const name of ['migrate', 'job:list', 'job:run', 'help']) expect(help.out).toContain(`  ${name} `);
    expect((await cli('help', 'migrate')).out).toMatch(/^fieldline migrate <up\|down\|status>/);
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(64);
    expect(unknown.err).toContain('Unknown command "frobnicate"');
  });

  it('refuses to run jobs before the schema is migrated', async () => {
    const result = await cli('job:run', 'db-maintenance');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/migration\(s\) pending; run "fieldline migrate up" first/);
  });

  it('migrates up, reports status, reverts a step and re-applies', async () => {
    const before = await cli('migrate', 'status');
    expect(before.code).toBe(1);
    expect(before.out).toMatch(/\[ \] CreateJobLockAndSetting\d{13}/);

    expect((await cli('migrate', 'up')).out).toBe(`Applied: ${allMigrations.map((m) => m.name).join(', ')}`);
    expect((await cli('migrate', 'up')).out).toBe('Nothing to apply: the schema is up to date.');
    const after = await cli('migrate', 'status');
    expect(after).toMatchObject({ code: 0 });
    expect(after.out).toMatch(/\[x\] CreateJobLockAndSetting\d{13}/);

    const latest = allMigrations.at(-1)?.name ?? '';
    expect((await cli('migrate', 'down')).out).toBe(`Reverted: ${latest}`);
    const all = await cli('migrate', 'down', '--steps', '99');
    expect(all.out.split('\n').at(-2)).toBe('Reverted: CreateJobLockAndSetting1795317671810');
    expect(all.out.split('\n').at(-1)).toBe('Nothing to revert.');
    expect((await cli('migrate', 'up')).code).toBe(0);

    const bad = await cli('migrate', 'sideways');
    expect(bad.code).toBe(64);
    expect(bad.err).toContain('unknown action "sideways"');
    expect((await cli('migrate', 'down', '--steps', 'x')).code).toBe(64);
  });

  it('lists jobs and runs one now, recording the run', async () => {
    const list = await cli('job:list');
    expect(list.code).toBe(0);
    expect(list.out).toContain('Schedules are in Asia/Shanghai.');
    expect(list.out).toMatch(/db-maintenance\s+17 3 \* \* \*/);
    expect(list.out).toContain('never run');

    const run = await cli('job:run', 'db-maintenance');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(
      /^db-maintenance: succeeded in \d+ ms — (sqlite: optimized|mysql: analyzed \d+ tables)/,
    );
    expect((await cli('job:list')).out).toMatch(/last succeeded at \d{4}-\d\d-\d\dT/);

    const unknown = await cli('job:run', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('Known jobs: db-maintenance');
    expect((await cli('job:run')).code).toBe(64);
  });

  it('lists notifications and retries a dead one, refusing sent ones', async () => {
    const dataSource = await openDataSource(database.config, { migrate: false });
    try {
      await inTransaction(dataSource, async (manager) => {
        await manager.insert(OutboxMessage, [
          outboxRow({ id: 1, status: 'dead', lastError: 'staff E1 has no phone number' }),
          outboxRow({ id: 2, status: 'sent' }),
        ]);
      });
      const list = await cli('outbox:list', '--status', 'dead');
      expect(list.err).toBe('');
      expect(list.code).toBe(0);
      expect(list.out).toMatch(
        /^#1 dead {5}sms {3}test\.alert staff:7 attempts=8\n {4}staff E1 has no phone number$/,
      );
      expect((await cli('outbox:list', '--status', 'lost')).code).toBe(64);

      expect(await cli('outbox:retry', '1')).toMatchObject({
        code: 0,
        out: '#1 is pending again; a running service sends it within seconds.',
      });
      expect(await dataSource.manager.findOneByOrFail(OutboxMessage, { id: 1 })).toMatchObject({
        status: 'pending',
        attempts: 0,
        lastError: null,
      });
      expect(await cli('outbox:retry', '2')).toMatchObject({
        code: 1,
        err: expect.stringContaining('is sent'),
      });
      expect((await cli('outbox:retry', '99')).err).toContain('does not exist');
    } finally {
      await dataSource.destroy();
    }
  });

  it('says plainly when the configuration or the database is wrong', async () => {
    const savedEnv = env;
    env = { LOG_LEVEL: 'silent', PORT: 'abc' };
    const badConfig = await cli('migrate', 'status');
    expect(badConfig.code).toBe(2);
    expect(badConfig.err).toContain('PORT: must be a whole number');
    env = { LOG_LEVEL: 'silent', DATABASE_URL: 'mysql://root:hunter2@127.0.0.1:1/fieldline' };
    const unreachable = await cli('migrate', 'status');
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(/^Cannot reach the mysql database: ECONNREFUSED/);
    expect(unreachable.err).not.toContain('hunter2');
    env = savedEnv;
  });

  it('lists, sets (validated, audited) and resets runtime settings', async () => {
    expect((await cli('migrate', 'up')).code).toBe(0);
    const list = await cli('settings:list');
    expect([list.code, list.err]).toEqual([0, '']);
    expect(list.out).toContain('report.hazardCategories — ');
    expect(list.out).toContain('["线路","杆路","箱体/光交","用电安全","高处作业","其他"]  (default)');

    const bad = await cli(
      'settings:set',
      'report.reminders',
      '{"deskAfterMinutes":1,"managerAfterMinutes":120}',
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^Not a valid value for report.reminders: /);
    expect((await cli('settings:set', 'report.reminders', '{oops')).err).toContain('not JSON');
    expect((await cli('settings:set', 'no.such', '1')).code).toBe(1);

    const set = await cli('settings:set', 'report.leadCategories', '["宽带新装","IPTV","其他"]');
    expect(set.code).toBe(0);
    expect((await cli('settings:list')).out).toMatch(/\["宽带新装","IPTV","其他"\] {2}\(set by cli:/);
    const dataSource = await openDataSource(database.config, { migrate: false });
    try {
      const audit = await dataSource.manager.findOneByOrFail(AuditEntry, { action: 'settings.set' });
      expect(audit).toMatchObject({ recordType: 'setting', recordId: 'report.leadCategories' });
    } finally {
      await dataSource.destroy();
    }
    expect((await cli('settings:reset', 'report.leadCategories')).code).toBe(0);
    expect((await cli('settings:list')).out).toContain(
      '["宽带新装","提速/升级","IPTV","政企专线","其他"]  (default)',
    );
  });
});
