import { cp, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { AuditEntry } from '../../bot/src/features/audit';
import { KbEntry, searchKnowledge } from '../../bot/src/features/knowledge';
import { cliEnv, runCliCaptured, writeTestFile } from '../../bot/test/cli';
import { createTestDatabase, openDataSource, type TestDatabase } from '../../bot/test/support';

const SEED_DIR = path.join(__dirname, '..', 'kb-seed');

describe('kb:import', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = cliEnv(database);
    expect((await cli('migrate', 'up')).code).toBe(0);
    dataSource = await openDataSource(database.config, { migrate: false });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const cli = (...argv: string[]) => runCliCaptured(env, argv);
  const file = (name: string, content: string) => writeTestFile(database, name, content);
  const top = async (query: string) =>
    (await searchKnowledge(dataSource.manager, query, { limit: 3 }))[0]?.entry.title;

  it('imports the shipped handbook (Markdown and CSV), searchable at once, audited as cli:<user>', async () => {
    const result = await cli('kb:import', SEED_DIR);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toBe('Imported 6 entries from 6 file(s): 6 created, 0 updated, 0 unchanged.');
    expect(await top('光猫 注册失败')).toBe('光猫注册失败（LOID 注册不上）');
    expect(await top('机顶盒无信号')).toBe('机顶盒无信号（电视提示“无信号”）');
    expect(await top('光功率过低')).toBe('光功率过低、光衰过大（LOS 灯红）');
    expect(await top('宽带拨号691')).toBe('宽带拨号 691 错误（账号或密码认证失败）');
    expect(await top('拨号 678')).toBe('宽带拨号 678 错误（远程计算机没有响应）');
    expect(await top('IPTV花屏卡顿')).toBe('IPTV 花屏、卡顿、马赛克');
    const ont = await dataSource.manager.findOneByOrFail(KbEntry, { title: '光猫注册失败（LOID 注册不上）' });
    expect(ont).toMatchObject({ tags: ['光猫', 'LOID', '注册', 'PON', '新装'], isPublished: true });
    expect(ont.body.startsWith('## 现象')).toBe(true);
    const audit = await dataSource.manager.findBy(AuditEntry, { action: 'kb.create' });
    expect(audit).toHaveLength(6);
    expect(new Set(audit.map((entry) => entry.actor))).toEqual(new Set([`cli:${userInfo().username}`]));

    const again = await cli('kb:import', SEED_DIR);
    expect(again.out).toBe('Imported 6 entries from 6 file(s): 0 created, 0 updated, 6 unchanged.');
  });

  it('updates an entry whose title it already has, keeping the rest', async () => {
    const dir = path.join(database.dir, 'seed-copy');
    await cp(SEED_DIR, dir, { recursive: true });
    const changed = path.join(dir, 'pppoe-691.md');
    await writeFile(
      changed,
      (await readFile(changed, 'utf8')).replace('5. 恢复后测速', '5. 恢复后测速并截图'),
    );
    const result = await cli('kb:import', dir);
    expect(result.out).toBe('Imported 6 entries from 6 file(s): 0 created, 1 updated, 5 unchanged.');
    const entry = await dataSource.manager.findOneByOrFail(KbEntry, {
      title: '宽带拨号 691 错误（账号或密码认证失败）',
    });
    expect(entry).toMatchObject({ version: 2 });
    expect(entry.body).toContain('恢复后测速并截图');
    expect(
      await dataSource.manager.countBy(AuditEntry, { action: 'kb.update', recordId: String(entry.id) }),
    ).toBe(1);
  });

  it('imports nothing while any file or row is bad, listing each by file and row; --skip-invalid imports the rest', async () => {
    const csv = await file(
      'bad/rows.csv',
      [
        '\ufefftitle,body,tags',
        '分纤箱跳纤规范,跳纤前核对端口。,分纤箱;跳纤',
        ',没有标题的一行,',
        '多一列,正文,标签,多余',
        '分纤箱跳纤规范,重复的标题,',
      ].join('\r\n'),
    );
    await file('bad/no-title.md', '只有正文，没有“# 标题”行。');
    const before = await dataSource.manager.count(KbEntry);
    const refused = await cli('kb:import', path.dirname(csv));
    expect(refused.code).toBe(1);
    expect(refused.err.split('\n')).toEqual([
      'no-title.md: No title (the file should start with a "# Title" line)',
      'rows.csv:3: The title is missing',
      'rows.csv:4: Expected 3 columns (title, body, tags), found 4',
      'rows.csv:5: The title "分纤箱跳纤规范" is also used at rows.csv:2',
      'Nothing imported: 4 problem(s). Fix them, or use --skip-invalid to import the rest.',
    ]);
    expect(await dataSource.manager.count(KbEntry)).toBe(before);

    const skipped = await cli('kb:import', path.dirname(csv), '--skip-invalid');
    expect(skipped.code).toBe(0);
    expect(skipped.out).toBe(
      'Imported 1 entry from 2 file(s): 1 created, 0 updated, 0 unchanged; 4 problem(s) skipped.',
    );
    expect(await top('跳纤')).toBe('分纤箱跳纤规范');
  });

  it('explains its usage and a missing path', async () => {
    expect((await cli('kb:import')).code).toBe(64);
    expect((await cli('kb:import', 'a', 'b')).code).toBe(64);
    const missing = await cli('kb:import', path.join(database.dir, 'nowhere'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('ENOENT');
    await file('empty/readme.txt', 'x');
    const empty = await cli('kb:import', path.join(database.dir, 'empty'));
    expect(empty.err).toContain('No .md, .markdown or .csv files');
  });
});
