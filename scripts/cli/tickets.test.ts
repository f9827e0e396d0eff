import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { inTransaction } from '../../bot/src/db/transaction';
import { ImportedTicket, ratingTasksJob, RatingTask } from '../../bot/src/features/rating';
import { createStaff } from '../../bot/src/features/staff';
import { cliEnv, runCliCaptured, writeTestFile } from '../../bot/test/cli';
import { captureLogger, createTestDatabase, openDataSource, type TestDatabase } from '../../bot/test/support';

const HEADER = 'ticket_no,kind,engineer_staff_no,tier2_staff_no,tier3_staff_no,summary,archived_at';

describe('tickets:import', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDataSource(database.config);
    env = cliEnv(database, { TZ: 'Asia/Shanghai' });
    await inTransaction(dataSource, async (manager) => {
      const add = (staffNo: string, role: 'engineer' | 'tier2' | 'tier3', phone: string) =>
        createStaff({ manager, staffNo, name: staffNo, role, phone });
      await add('E1', 'engineer', '+8613800000001');
      await add('T1', 'tier2', '+8613800000002');
      await add('N1', 'tier3', '+8613800000003');
    });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const cli = (...argv: string[]) => runCliCaptured(env, argv);
  const file = (name: string, lines: string[]) => writeTestFile(database, name, lines.join('\r\n'));

  it('imports nothing when any row is bad, and lists every error with its row', async () => {
    const csv = await file('bad.csv', [
      HEADER,
      'HX-001,question,E1,T1,,光猫无法注册,2026-11-29 10:00',
      'HX-002,complaint,E9,N1,,,2026-13-01 10:00',
      'HX-001,support,E1,T1,N1,重复,2026-11-29 11:00',
      'HX-003,support,E1,,,没有支撑人员,2026-11-29 12:00',
      'HX-004,support,E1,T1',
    ]);
    const result = await cli('tickets:import', csv);
    expect(result.code).toBe(1);
    expect(result.err.split('\n')).toEqual([
      'row 3: kind "complaint" must be question or support',
      'row 3: summary must be 1–255 characters',
      'row 3: archived_at "2026-13-01 10:00" is not a local time (YYYY-MM-DD HH:MM)',
      'row 4: ticket_no HX-001 already appears in row 2',
      'row 5: tier2_staff_no or tier3_staff_no is required',
      'row 6: expected 7 columns, found 4',
      'Nothing imported: 4 row(s) have errors.',
    ]);
    expect(await dataSource.manager.count(ImportedTicket)).toBe(0);
  });

  it('checks staff against the roster, imports the good rows with --skip-invalid, and they get rated', async () => {
    const csv = await file('mixed.csv', [
      HEADER,
      'HX-101,question,E1,T1,N1,"光猫注册失败, LOID 不符",2026-11-29 10:00',
      'HX-102,support,E1,N1,,角色不对,2026-11-29 10:00',
      'HX-103,support,E404,T1,,不在花名册,2026-11-29 10:00',
    ]);
    const refused = await cli('tickets:import', csv);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('row 3: staff number N1 is tier3; this column needs tier2/admin');
    expect(refused.err).toContain('row 4: staff number E404 is not on the roster');
    const result = await cli('tickets:import', csv, '--skip-invalid');
    expect(result.code).toBe(0);
    expect(result.out).toBe('Imported 1 ticket(s); 2 invalid row(s) skipped.');
    const ticket = await dataSource.manager.findOneByOrFail(ImportedTicket, { ticketNo: 'HX-101' });
    expect(ticket.archivedAt).toEqual(new Date('2026-11-29T10:00+08:00'));
    // Importing it again is refused row by row.
    expect((await cli('tickets:import', csv)).err).toContain('row 2: ticket_no HX-101 was imported before');
    await ratingTasksJob({ timeZone: 'Asia/Shanghai' }).run({
      now: new Date('2026-11-30T08:30+08:00'),
      manager: dataSource.manager,
      logger: captureLogger().logger,
    });
    const tasks = await dataSource.manager.find(RatingTask, { where: { importedTicketId: ticket.id } });
    expect(tasks).toHaveLength(6);
    expect(
      tasks.every((task) => task.ticketRef === 'ext:HX-101' && task.summary === '光猫注册失败, LOID 不符'),
    ).toBe(true);
  });

  it('refuses a file that is not UTF-8 (a spreadsheet saved as GBK), and imports one with a BOM', async () => {
    // What Excel's plain "CSV" writes on Chinese Windows: GBK. 光猫无法注册 = b9e2 c3a8 cede b7a8 d7a2 b2e1.
    const row = (summary: Buffer) =>
      Buffer.concat([
        Buffer.from(`${HEADER}\r\nHX-201,question,E1,T1,,`, 'latin1'),
        summary,
        Buffer.from(',2026-11-29 10:00\r\n', 'latin1'),
      ]);
    const gbk = path.join(database.dir, 'excel-gbk.csv');
    await writeFile(gbk, row(Buffer.from('b9e2c3a8cedeb7a8d7a2b2e1', 'hex')));
    const refused = await cli('tickets:import', gbk);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      `Nothing imported: ${gbk} is not UTF-8 (in Excel, save it as "CSV UTF-8 (Comma delimited)").`,
    );
    expect(await dataSource.manager.countBy(ImportedTicket, { ticketNo: 'HX-201' })).toBe(0);

    const utf8 = path.join(database.dir, 'excel-utf8.csv');
    await writeFile(
      utf8,
      Buffer.concat([Buffer.from('\ufeff', 'utf8'), row(Buffer.from('光猫无法注册', 'utf8'))]),
    );
    const result = await cli('tickets:import', utf8);
    expect(result.code).toBe(0);
    expect(result.out).toBe('Imported 1 ticket(s).');
    const ticket = await dataSource.manager.findOneByOrFail(ImportedTicket, { ticketNo: 'HX-201' });
    expect(ticket.summary).toBe('光猫无法注册');
  });
});
