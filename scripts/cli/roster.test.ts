import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { DutyGroup, DutyGroupMember, Staff } from '../../bot/src/features/staff';
import { StaffCredential } from '../../bot/src/features/accounts';
import { cliEnv, runCliCaptured, writeTestFile } from '../../bot/test/cli';
import { startTsProcess } from '../../bot/test/processes';
import { createTestDatabase, openDataSource, type TestDatabase } from '../../bot/test/support';

describe('roster:import, roster:export, user:add, user:deactivate', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDataSource(database.config);
    env = cliEnv(database);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const cli = (...argv: string[]) => runCliCaptured(env, argv);
  const file = (name: string, content: string) => writeTestFile(database, name, content);

  it('imports nothing when any row is bad, and lists every error with its row number', async () => {
    const csv = [
      '\ufeffstaff_no,name,phone,role,department,groups',
      'E0001,张三,13800000001,engineer,清江浦装维班,',
      'E0002,,12345,boss,,Control Desk',
      '"E0003","李, 四",+86 138-0000-0003,tier2,,control-desk;completion-desk',
      'E0001,重复,13800000009,engineer,,',
      'E0004,短行,13800000004',
    ].join('\r\n');
    const result = await cli('roster:import', await file('bad.csv', csv));
    expect(result.code).toBe(1);
    expect(result.err.split('\n')).toEqual([
      'row 3: name must be 1–64 characters',
      'row 3: phone "12345" is not a mobile number (11 digits, or +country…)',
      'row 3: role "boss" must be one of engineer, tier2, tier3, manager, admin',
      'row 3: group "Control Desk" must be lower-case letters, digits and -',
      'row 5: staff_no E0001 already appears in row 2',
      'row 6: expected 6 columns (staff_no,name,phone,role,department,groups), found 3',
      'Nothing imported: 3 row(s) have errors.',
    ]);
    expect(await dataSource.manager.count(Staff)).toBe(0);

    const skipped = await cli('roster:import', await file('bad.csv', csv), '--skip-invalid');
    expect(skipped.code).toBe(0);
    expect(skipped.out).toBe(
      'Imported 2 row(s): 2 created, 0 updated, 0 unchanged; 3 invalid row(s) skipped.',
    );
    const lisi = await dataSource.manager.findOneByOrFail(Staff, { staffNo: 'E0003' });
    expect(lisi).toMatchObject({ name: '李, 四', phone: '+8613800000003', role: 'tier2', isActive: true });
    const groups = await dataSource.manager.find(DutyGroup, { order: { key: 'ASC' } });
    expect(groups.map((group) => group.key)).toEqual(['completion-desk', 'control-desk']);
  });

  it('refuses a file without the header', async () => {
    const result = await cli('roster:import', await file('noheader.csv', 'E1,a,13800000001,engineer,,\n'));
    expect(result.err).toContain(
      'row 1: the first line must be the header staff_no,name,phone,role,department,groups',
    );
  });

  it('upserts by staff number, keeps bindings and on-duty switches, and follows the file for groups', async () => {
    await dataSource.manager.update(Staff, { staffNo: 'E0003' }, { wecomUserId: 'lisi' });
    const desk = await dataSource.manager.findOneByOrFail(DutyGroup, { key: 'control-desk' });
    const lisi = await dataSource.manager.findOneByOrFail(Staff, { staffNo: 'E0003' });
    await dataSource.manager.update(
      DutyGroupMember,
      { groupId: desk.id, staffId: lisi.id },
      { isOnDuty: true },
    );

    const csv = [
      'staff_no,name,phone,role,department,groups',
      'E0001,张三,13800000001,engineer,清江浦装维班,', // unchanged
      'E0003,李四,13800000033,tier2,,control-desk', // renamed, new phone, left completion-desk
      'E0005,王五,13800000005,tier3,网络支撑中心,network',
    ].join('\n');
    const result = await cli('roster:import', await file('update.csv', csv));
    expect(result.out).toBe('Imported 3 row(s): 1 created, 1 updated, 1 unchanged.');
    expect(await dataSource.manager.findOneByOrFail(Staff, { staffNo: 'E0003' })).toMatchObject({
      name: '李四',
      phone: '+8613800000033',
      wecomUserId: 'lisi',
    });
    const memberships = await dataSource.manager.findBy(DutyGroupMember, { staffId: lisi.id });
    expect(memberships).toEqual([expect.objectContaining({ groupId: desk.id, isOnDuty: true })]);

    const exported = await cli('roster:export');
    expect(exported.out.split('\r\n')).toEqual([
      'staff_no,name,phone,role,department,groups',
      'E0001,张三,+8613800000001,engineer,清江浦装维班,',
      'E0003,李四,+8613800000033,tier2,,control-desk',
      'E0005,王五,+8613800000005,tier3,网络支撑中心,network',
    ]);
  });

  it('adds and deactivates single staff members', async () => {
    expect(
      await cli(
        'user:add',
        '--staff-no',
        'A0001',
        '--name',
        '管理员',
        '--phone',
        '13800000100',
        '--role',
        'admin',
      ),
    ).toMatchObject({
      code: 0,
      out: 'Added A0001 管理员 (admin).',
    });
    expect(
      (
        await cli(
          'user:add',
          '--staff-no',
          'A0001',
          '--name',
          'x',
          '--phone',
          '13800000100',
          '--role',
          'admin',
        )
      ).err,
    ).toContain('already exists');
    expect(
      (await cli('user:add', '--staff-no', 'A0002', '--name', 'x', '--phone', '1', '--role', 'admin')).code,
    ).toBe(64);
    expect(await cli('user:deactivate', 'A0001')).toMatchObject({ code: 0, out: 'Deactivated A0001.' });
    expect((await cli('user:deactivate', 'A0001')).err).toBe('A0001 is already deactivated.');
    expect((await cli('user:deactivate', 'NOPE')).err).toBe('No staff number NOPE.');
    expect((await dataSource.manager.findOneByOrFail(Staff, { staffNo: 'A0001' })).isActive).toBe(false);
  });

  it('sets a back-office password from standard input (how the first admin gets one)', async () => {
    await cli(
      'user:add',
      '--staff-no',
      'A0009',
      '--name',
      '首位管理员',
      '--phone',
      '13800000109',
      '--role',
      'admin',
    );
    const child = startTsProcess(
      path.join(__dirname, '../fieldline.ts'),
      ['user:passwd', 'A0009', '--password-stdin'],
      env,
    );
    child.child.stdin?.end('a long enough password\n');
    const result = await child.exited;
    expect(result).toMatchObject({ code: 0, stdout: 'Password set for A0009 (首位管理员, admin).\n' });
    const staff = await dataSource.manager.findOneByOrFail(Staff, { staffNo: 'A0009' });
    expect(
      (await dataSource.manager.findOneByOrFail(StaffCredential, { staffId: staff.id })).passwordHash,
    ).toMatch(/^scrypt\$16384\$8\$1\$/);
    const short = startTsProcess(
      path.join(__dirname, '../fieldline.ts'),
      ['user:passwd', 'A0009', '--password-stdin'],
      env,
    );
    short.child.stdin?.end('short\n');
    expect(await short.exited).toMatchObject({
      code: 1,
      stderr: 'The password needs at least 10 characters.\n',
    });
  });

  it('imports 10,000 rows in one go, with progress', async () => {
    const lines = ['staff_no,name,phone,role,department,groups'];
    for (let i = 0; i < 10_000; i += 1) {
      lines.push(
        `B${String(i).padStart(5, '0')},装维${i},139${String(i).padStart(8, '0')},engineer,片区${i % 40},area-${i % 25}`,
      );
    }
    const result = await cli('roster:import', await file('big.csv', lines.join('\n')));
    expect(result.code).toBe(0);
    expect(result.out).toBe('Imported 10000 row(s): 10000 created, 0 updated, 0 unchanged.');
    expect(result.err).toContain('… 10000/10000');
    expect(await dataSource.manager.countBy(Staff, { role: 'engineer' })).toBeGreaterThanOrEqual(10_000);
    expect(await dataSource.manager.count(DutyGroupMember)).toBeGreaterThanOrEqual(10_000);
    const again = await cli('roster:import', await file('big.csv', lines.join('\n')));
    expect(again.out).toBe('Imported 10000 row(s): 0 created, 0 updated, 10000 unchanged.');
  });
});
