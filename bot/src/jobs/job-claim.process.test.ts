import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { startTsProcess } from '../../test/processes';
import { eventually, useTestDatabase } from '../../test/support';
import { JobLock } from './job-lock.entity';

const FIXTURE = path.join(__dirname, '../../test/fixtures/fire-job-ticks.ts');

describe('job ticks across separate processes', () => {
  const db = useTestDatabase();

  it('runs each tick exactly once when three processes fire the same ticks at the same moment', async () => {
    const { database } = db();
    const ticks = Array.from({ length: 6 }, (_, i) => new Date(Date.UTC(2026, 10, 22, 8, i)).toISOString());
    const output = path.join(database.dir, 'runs.log');
    const children = ['p1', 'p2', 'p3'].map((owner) =>
      startTsProcess(FIXTURE, [JSON.stringify(database.config), owner, JSON.stringify(ticks), output]),
    );
    // Start together once every child has compiled and connected, however long that took.
    await eventually(() => children.every((child) => child.stdout().includes('ready')), 30_000);
    const startAt = String(Date.now() + 300);
    for (const child of children) child.child.stdin?.write(`${startAt}\n`);
    const results = await Promise.all(children.map((child) => child.exited));
    for (const result of results) expect(result).toMatchObject({ code: 0, stderr: '', stdout: 'ready\n' });

    const runs = readFileSync(output, 'utf8').trim().split('\n');
    expect(runs.map((line) => line.split(' ')[0]).sort()).toEqual(ticks);
    const row = await db().dataSource.manager.findOneByOrFail(JobLock, { name: 'cross-process' });
    expect(row.runCount).toBe(ticks.length);
  });
});
