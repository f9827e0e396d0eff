/**
 * Broadcast sending at scale: fills a fresh database with a roster (20,000 staff by default: 90 %
 * engineers in 40 areas, a few hundred desk and back-end staff, 5 % unbound, 2 % deactivated, 3 % reading
 * English, duty groups), then times, through the real code:
 *  - audience resolution (everyone; engineers; areas + duty groups),
 *  - starting a send to everyone: recipients fixed in batches and one outbox row per batch, in the one
 *    transaction the commands use,
 *  - the relay's look-up of one batch's frozen members (each attempt resolves the same list).
 *
 *   node -r ./bot/test/ts-register.js scripts/bench/broadcast.ts [--staff 20000] [--rounds 5]
 *        [--mysql | --mysql-url mysql://user@host:3306/db] [--skip-sqlite]
 *
 * SQLite always runs (a temporary file) unless --skip-sqlite. MySQL/MariaDB runs only with --mysql: on
 * --mysql-url, else DATABASE_URL when it names MySQL, else mysql://root@127.0.0.1:3306/fieldline_bench_broadcast.
 * That database is dropped and created afresh, and dropped again at the end, so its name must contain
 * "bench" — anything else is refused, never dropped.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../bot/src/config';
import { inTransaction } from '../../bot/src/db/transaction';
import {
  EMPTY_AUDIENCE,
  resolveAudience,
  saveArticleDraft,
  sendArticleNow,
  type ArticleAudience,
} from '../../bot/src/features/broadcast';
import { findBatchRecipients } from '../../bot/src/notifications/batches';
import { Department, DutyGroup, DutyGroupMember, Staff, type Role } from '../../bot/src/features/staff';
import {
  analyzeTables,
  BENCH_DATABASE_OPTIONS,
  runOnBenchDatabases,
  withMigratedDatabase,
} from './bench-database';
import { seededRandom } from './seeded-random';

const DEFAULT_MYSQL = 'mysql://root@127.0.0.1:3306/fieldline_bench_broadcast';
const AREAS = 40;
const GROUPS = 10;
const LINKS = { baseUrl: 'https://fieldline.example.com', sessionSecret: undefined };

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? NaN;

/** Times `work` `rounds` times; returns the median in ms and the last result. */
async function timed<T>(rounds: number, work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const durations: number[] = [];
  let result: T | undefined;
  for (let round = 0; round < rounds; round += 1) {
    const start = process.hrtime.bigint();
    result = await work();
    durations.push(ms(start));
  }
  return { ms: median(durations), result: result as T };
}

async function fillRoster(dataSource: DataSource, staff: number): Promise<{ departmentIds: number[] }> {
  const next = seededRandom(20311121);
  const now = new Date();
  return inTransaction(dataSource, async (manager) => {
    const departments: Department[] = [];
    for (let index = 0; index < AREAS; index += 1)
      departments.push(
        await manager.save(
          manager.create(Department, { name: `片区${index + 1}`, kind: 'area', createdAt: now }),
        ),
      );
    const rows = Array.from({ length: staff }, (_, index) => {
      const roll = next();
      const role: Role = roll < 0.9 ? 'engineer' : roll < 0.96 ? 'tier2' : roll < 0.99 ? 'tier3' : 'manager';
      return {
        staffNo: `B${String(index + 1).padStart(6, '0')}`,
        name: `员工${index + 1}`,
        role,
        departmentId: departments[Math.floor(next() * AREAS)]?.id ?? null,
        wecomUserId: next() < 0.05 ? null : `user${index + 1}`,
        language: next() < 0.03 ? 'en-US' : 'zh-CN',
        isActive: next() >= 0.02,
        createdAt: now,
        updatedAt: now,
      };
    });
    for (let start = 0; start < rows.length; start += 500)
      await manager
        .createQueryBuilder()
        .insert()
        .into(Staff)
        .values(rows.slice(start, start + 500))
        .updateEntity(false)
        .execute();
    const ids = (await manager.find(Staff, { select: { id: true }, order: { id: 'ASC' } })).map(
      (person) => person.id,
    );
    for (let group = 0; group < GROUPS; group += 1) {
      const saved = await manager.save(
        manager.create(DutyGroup, {
          key: `desk-${group}`,
          name: `值班组${group}`,
          description: null,
          createdAt: now,
        }),
      );
      const members = ids.filter(() => next() < 0.01);
      for (let start = 0; start < members.length; start += 500)
        await manager
          .createQueryBuilder()
          .insert()
          .into(DutyGroupMember)
          .values(
            members
              .slice(start, start + 500)
              .map((staffId) => ({ groupId: saved.id, staffId, isOnDuty: next() < 0.3 })),
          )
          .updateEntity(false)
          .execute();
    }
    return { departmentIds: departments.map((department) => department.id) };
  });
}

async function run(label: string, database: DatabaseConfig, staff: number, rounds: number): Promise<void> {
  await withMigratedDatabase(database, async (dataSource) => {
    const fillStart = process.hrtime.bigint();
    const { departmentIds } = await fillRoster(dataSource, staff);
    console.log(`${label}: roster of ${staff} staff written in ${(ms(fillStart) / 1000).toFixed(1)} s`);
    await analyzeTables(dataSource, database, ['staff', 'duty_group_member']);

    const audiences: Array<[string, ArticleAudience]> = [
      ['everyone', { ...EMPTY_AUDIENCE, everyone: true }],
      ['engineers', { ...EMPTY_AUDIENCE, roles: ['engineer'] }],
      [
        '10 areas + 3 duty groups',
        {
          ...EMPTY_AUDIENCE,
          departmentIds: departmentIds.slice(0, 10),
          groupKeys: ['desk-0', 'desk-1', 'desk-2'],
        },
      ],
    ];
    for (const [name, audience] of audiences) {
      const { ms: took, result } = await timed(rounds, () => resolveAudience(dataSource.manager, audience));
      console.log(
        `  resolve ${name}: ${result.length} recipients in ${took.toFixed(1)} ms (median of ${rounds})`,
      );
    }

    const author = await dataSource.manager.findOneByOrFail(Staff, { role: 'tier2', isActive: true });
    const sends: number[] = [];
    let last = { recipients: 0, batches: 0, articleId: 0 };
    for (let round = 0; round < rounds; round += 1) {
      const start = process.hrtime.bigint();
      const started = await inTransaction(dataSource, async (manager) => {
        const draft = await saveArticleDraft({
          manager,
          input: {
            kind: 'notice',
            title: `基准测试通知 ${round + 1}`,
            summary: '全员通知',
            body: '正文',
            coverKey: null,
            tags: [],
            audience: { ...EMPTY_AUDIENCE, everyone: true },
            isUrgent: false,
            smsGroups: [],
            featuredWeek: null,
          },
          authorId: author.id,
          now: new Date(),
        });
        return sendArticleNow({ manager, id: draft.id, version: 1, now: new Date(), links: LINKS });
      });
      sends.push(ms(start));
      last = { recipients: started.recipients, batches: started.batches, articleId: started.article.id };
    }
    console.log(
      `  start sending to everyone: ${last.recipients} recipient rows + ${last.batches} batch rows in ` +
        `${median(sends).toFixed(0)} ms (median of ${rounds}, one transaction each)`,
    );
    const batches = findBatchRecipients(`article:${last.articleId}:0`);
    if (!batches) throw new Error('the broadcast feature did not register its batches');
    const { ms: lookup, result } = await timed(rounds * 4, () =>
      batches.resolve(dataSource.manager, `article:${last.articleId}:1`),
    );
    const size = 'addresses' in result ? result.addresses.length : 0;
    console.log(
      `  relay look-up of one batch: ${size} UserIDs in ${lookup.toFixed(1)} ms (median of ${rounds * 4})`,
    );
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      staff: { type: 'string', default: '20000' },
      rounds: { type: 'string', default: '5' },
      ...BENCH_DATABASE_OPTIONS,
    },
    allowPositionals: true,
  });
  const staff = Number(values.staff);
  const rounds = Math.max(1, Number(values.rounds));
  await runOnBenchDatabases(
    values,
    { mysqlUrl: DEFAULT_MYSQL, tempPrefix: 'fieldline-broadcast-bench-' },
    (label, database) => run(label, database, staff, rounds),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
