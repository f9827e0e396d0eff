/**
 * The handbook's commands, search, links, Markdown and import parsing against a real database (SQLite,
 * or MariaDB with FIELDLINE_TEST_DB=mysql): ranking among decoys, typos, drafts never found, the
 * frequency table kept exact, optimistic concurrency, signed links, and Markdown that cannot carry script.
 */
import { describe, expect, it, beforeAll } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { useTestDatabase } from '../../../test/support';
import {
  checkKbLink,
  createKbEntry,
  findKbDrafts,
  findKbEntry,
  isSafeKbLink,
  kbEntryLink,
  listKbEntries,
  parseKbImport,
  queryTerms,
  renderKbMarkdown,
  searchKnowledge,
  updateKbEntry,
  KB_LINK_TTL_SECONDS,
  type KbEntry,
  type KbEntryInput,
} from '.';

const entry = (title: string, body: string, tags: string[] = [], isPublished = true): KbEntryInput => ({
  title,
  body,
  tags,
  photos: [],
  isPublished,
});

/** The entries engineers look for, and decoys sharing words with them. */
const CORPUS: readonly KbEntryInput[] = [
  entry(
    '光猫注册失败（LOID 注册不上）',
    'PON 灯一直闪烁，注册状态显示失败。核对工单上的 LOID 和密码，重新输入后重启光猫；仍失败联系 1183301。',
    ['光猫', 'LOID'],
  ),
  entry(
    '机顶盒无信号',
    '电视提示无信号：切换信号源，检查 HDMI 线；机顶盒网线接在光猫 IPTV 口。同一栋楼两户以上无信号按区域性故障上报。',
    ['机顶盒', 'IPTV'],
  ),
  entry('光猫指示灯说明', 'PON 灯常亮表示注册成功，LOS 灯红表示收不到光。光猫电源灯不亮先查电源适配器。', [
    '光猫',
  ]),
  entry('语音业务注册失败（IMS）', '固话语音注册失败时，核对 IMS 账号和密码，检查语音网关 VLAN。', ['语音']),
  entry('光功率过低', '光猫接收光功率低于 -27 dBm 时容易掉线、注册失败。清洁端面，分段测量。', [
    '光功率',
    '光衰',
  ]),
  entry(
    '宽带拨号 691 错误',
    '691 为账号认证失败：核对宽带账号和密码，查询是否欠费，光猫路由模式下只保留一处拨号。',
    ['宽带', '691'],
  ),
  entry('机顶盒遥控器失灵', '更换电池，重新配对遥控器与机顶盒。', ['机顶盒']),
  entry('无线 WiFi 信号弱', '调整路由器位置，更换信道；无线信号穿墙衰减大。', ['无线']),
  entry('IPTV 花屏卡顿', '机顶盒直连光猫 IPTV 口，更换网线；信号不稳时测光功率。', ['IPTV', '花屏']),
  entry('光猫更换流程', '更换光猫后在系统中重新绑定串号，并记录光功率。', ['光猫']),
  entry('光猫注册失败处理草稿', '还没写完的草稿：光猫注册失败。', ['光猫'], false),
];

async function titles(manager: EntityManager, query: string, limit = 5): Promise<string[]> {
  return (await searchKnowledge(manager, query, { limit })).map((hit) => hit.entry.title);
}

describe('field handbook', () => {
  const db = useTestDatabase();
  const entries = new Map<string, KbEntry>();
  const manager = () => db().dataSource.manager;
  const byTitle = (prefix: string) => {
    const found = [...entries.values()].find((candidate) => candidate.title.startsWith(prefix));
    if (!found) throw new Error(`no entry ${prefix}`);
    return found;
  };

  beforeAll(async () => {
    await inTransaction(db().dataSource, async (tx) => {
      for (const input of CORPUS) {
        const created = await createKbEntry({ manager: tx, input, author: 'T0001', now: new Date() });
        entries.set(created.title, created);
      }
    });
  });

  async function expectStatsExact(): Promise<void> {
    const counted = await manager().query<Array<{ term: string; df: number | string }>>(
      'SELECT term, COUNT(*) AS df FROM kb_term GROUP BY term',
    );
    const stored = await manager().query<Array<{ term: string; df: number | string }>>(
      "SELECT term, df FROM kb_term_stat WHERE df <> 0 AND term <> ''",
    );
    const asMap = (rows: Array<{ term: string; df: number | string }>) =>
      Object.fromEntries(rows.map((row) => [row.term, Number(row.df)]));
    expect(asMap(stored)).toEqual(asMap(counted));
    const [published] = await manager().query<Array<{ n: number | string }>>(
      'SELECT COUNT(*) AS n FROM kb_entry WHERE is_published = 1',
    );
    const [indexed] = await manager().query<Array<{ df: number | string }>>(
      "SELECT df FROM kb_term_stat WHERE term = ''",
    );
    expect(Number(indexed?.df)).toBe(Number(published?.n));
  }

  describe('terms', () => {
    it('makes words and Chinese bigrams, lower-cased, full-width folded, spaces between Chinese ignored', () => {
      expect(queryTerms('光猫 注册失败')).toEqual(['光猫', '猫注', '注册', '册失', '失败']);
      expect(queryTerms('ＬＯＩＤ 宽带拨号691错误')).toEqual(['loid', '691', '宽带', '带拨', '拨号', '错误']);
      expect(queryTerms('-27dBm')).toEqual(['27dbm', '27', 'dbm']);
      expect(queryTerms('！？')).toEqual([]);
    });
  });

  describe('search', () => {
    it('ranks the entry an engineer means first, among decoys', async () => {
      expect((await titles(manager(), '光猫 注册失败'))[0]).toBe('光猫注册失败（LOID 注册不上）');
      expect((await titles(manager(), '机顶盒无信号'))[0]).toBe('机顶盒无信号');
      expect((await titles(manager(), '宽带 691'))[0]).toBe('宽带拨号 691 错误');
      expect((await titles(manager(), 'ＩＰＴＶ花屏'))[0]).toBe('IPTV 花屏卡顿');
      expect(await titles(manager(), 'LOID')).toContain('光猫注册失败（LOID 注册不上）');
    });

    it('still finds it with a typo or an extra character', async () => {
      expect((await titles(manager(), '光猫注册失败了吧'))[0]).toBe('光猫注册失败（LOID 注册不上）');
      expect((await titles(manager(), '机顶盒无信信号'))[0]).toBe('机顶盒无信号');
      expect((await titles(manager(), '机顶和无信号'))[0]).toBe('机顶盒无信号');
    });

    it('weighs a title above the same words in a body', async () => {
      const hits = await searchKnowledge(manager(), '注册失败', { limit: 10 });
      const rank = (title: string) => hits.findIndex((hit) => hit.entry.title === title);
      expect(rank('语音业务注册失败（IMS）')).toBeLessThan(rank('光功率过低'));
      expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));
    });

    it('finds nothing for what the handbook does not cover, or for no words at all', async () => {
      expect(await titles(manager(), '火星探测器发射')).toEqual([]);
      expect(await titles(manager(), '   ')).toEqual([]);
      expect(await titles(manager(), '光')).toEqual([]);
    });

    it('respects the limit', async () => {
      expect(await titles(manager(), '光猫', 2)).toHaveLength(2);
    });
  });

  describe('published entries only', () => {
    it('never returns a draft, however well it matches; drafts are found by title for editors', async () => {
      for (const query of ['光猫注册失败处理草稿', '草稿', '光猫 注册失败']) {
        expect(await titles(manager(), query, 50)).not.toContain('光猫注册失败处理草稿');
      }
      expect((await findKbDrafts(manager(), '草稿')).map((draft) => draft.title)).toEqual([
        '光猫注册失败处理草稿',
      ]);
      expect((await findKbDrafts(manager(), '%')).length).toBe(0);
      const { items } = await listKbEntries(manager(), { includeDrafts: false });
      expect(items.map((item) => item.title)).not.toContain('光猫注册失败处理草稿');
      expect((await listKbEntries(manager(), { includeDrafts: true })).total).toBe(CORPUS.length);
    });

    it('drops an entry from search the moment it is unpublished, and brings it back when republished', async () => {
      const target = byTitle('机顶盒无信号');
      const hidden = await inTransaction(db().dataSource, (tx) =>
        updateKbEntry({
          manager: tx,
          id: target.id,
          version: target.version,
          changes: { isPublished: false },
          now: new Date(),
        }),
      );
      expect(await titles(manager(), '机顶盒无信号', 50)).not.toContain('机顶盒无信号');
      await expectStatsExact();
      const shown = await inTransaction(db().dataSource, (tx) =>
        updateKbEntry({
          manager: tx,
          id: hidden.id,
          version: hidden.version,
          changes: { isPublished: true },
          now: new Date(),
        }),
      );
      entries.set(shown.title, shown);
      expect((await titles(manager(), '机顶盒无信号'))[0]).toBe('机顶盒无信号');
      await expectStatsExact();
    });

    it('re-indexes an edit in the same transaction, and rolls the index back with it', async () => {
      const target = byTitle('光猫更换流程');
      const renamed = await inTransaction(db().dataSource, (tx) =>
        updateKbEntry({
          manager: tx,
          id: target.id,
          version: target.version,
          changes: { title: '光猫更换与串号绑定', body: '更换后重新绑定串号。' },
          now: new Date(),
        }),
      );
      entries.set(renamed.title, renamed);
      expect((await titles(manager(), '串号绑定'))[0]).toBe('光猫更换与串号绑定');
      await expect(
        inTransaction(db().dataSource, async (tx) => {
          await updateKbEntry({
            manager: tx,
            id: renamed.id,
            version: renamed.version,
            changes: { title: '临时标题回滚测试' },
            now: new Date(),
          });
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await titles(manager(), '回滚测试')).toEqual([]);
      expect((await findKbEntry(manager(), renamed.id))?.title).toBe('光猫更换与串号绑定');
      await expectStatsExact();
    });
  });

  describe('concurrency and validation', () => {
    it('refuses a change made against a stale version and changes nothing', async () => {
      const target = byTitle('光猫指示灯说明');
      const first = await inTransaction(db().dataSource, (tx) =>
        updateKbEntry({
          manager: tx,
          id: target.id,
          version: target.version,
          changes: { body: '第一次修改' },
          now: new Date(),
        }),
      );
      await expect(
        inTransaction(db().dataSource, (tx) =>
          updateKbEntry({
            manager: tx,
            id: target.id,
            version: target.version,
            changes: { body: '过期的修改' },
            now: new Date(),
          }),
        ),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await findKbEntry(manager(), target.id)).toMatchObject({
        body: '第一次修改',
        version: first.version,
      });
      expect(await titles(manager(), '过期的修改')).toEqual([]);
      entries.set(first.title, first);
    });

    it('lists every problem, and refuses a title that is taken', async () => {
      await expect(
        inTransaction(db().dataSource, (tx) =>
          createKbEntry({
            manager: tx,
            input: entry(
              '',
              'x'.repeat(20_001),
              Array.from({ length: 11 }, (_, i) => `标签${i}`),
            ),
            author: 'T0001',
            now: new Date(),
          }),
        ),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: {
          problems: [
            expect.objectContaining({ key: 'kb.error.titleMissing' }),
            expect.objectContaining({ key: 'kb.error.bodyLength' }),
            expect.objectContaining({ key: 'kb.error.tagCount' }),
          ],
        },
      });
      await expect(
        inTransaction(db().dataSource, (tx) =>
          createKbEntry({
            manager: tx,
            input: entry('机顶盒无信号', '重复'),
            author: 'T0001',
            now: new Date(),
          }),
        ),
      ).rejects.toMatchObject({
        details: { problems: [expect.objectContaining({ key: 'kb.error.titleTaken' })] },
      });
    });
  });

  describe('signed links', () => {
    const now = new Date('2026-11-21T08:00:00Z');
    const parts = (url: string) => {
      const parsed = new URL(url);
      return {
        path: parsed.pathname,
        e: parsed.searchParams.get('e') ?? '',
        s: parsed.searchParams.get('s') ?? '',
      };
    };
    const check = (entryId: number, e: string, s: string, at = now, sessionSecret?: string) =>
      checkKbLink({ manager: manager(), entryId, expiry: e, signature: s, now: at, sessionSecret });

    it('opens for 7 days, then expires; forged, truncated, or another entry’s signature never opens', async () => {
      const target = byTitle('光猫注册失败');
      const other = byTitle('机顶盒无信号');
      const url = await kbEntryLink({
        manager: manager(),
        entryId: target.id,
        baseUrl: 'https://fieldline.example.com/',
        now,
        sessionSecret: undefined,
      });
      const { path, e, s } = parts(url);
      expect(url.startsWith(`https://fieldline.example.com/kb/${target.id}?e=`)).toBe(true);
      expect(path).toBe(`/kb/${target.id}`);
      expect(Number(e)).toBe(now.getTime() / 1000 + KB_LINK_TTL_SECONDS);
      expect(await check(target.id, e, s)).toBe('ok');
      expect(await check(target.id, e, s, new Date(now.getTime() + (KB_LINK_TTL_SECONDS - 1) * 1000))).toBe(
        'ok',
      );
      expect(await check(target.id, e, s, new Date(now.getTime() + KB_LINK_TTL_SECONDS * 1000))).toBe(
        'expired',
      );
      const flipped = `${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`;
      expect(await check(target.id, e, flipped)).toBe('invalid');
      expect(await check(target.id, String(Number(e) + 86_400), s)).toBe('invalid'); // a longer life, self-made
      expect(await check(other.id, e, s)).toBe('invalid');
      expect(await check(target.id, e, s.slice(0, 20))).toBe('invalid');
      expect(await check(target.id, e, '')).toBe('invalid');
      expect(
        await checkKbLink({
          manager: manager(),
          entryId: target.id,
          expiry: [e, e],
          signature: s,
          now,
          sessionSecret: undefined,
        }),
      ).toBe('invalid');
    });

    it('signs with SESSION_SECRET when it is set, and the two keys do not open each other’s links', async () => {
      const target = byTitle('光猫注册失败');
      const secret = 'a-session-secret-of-at-least-32-characters';
      const { e, s } = parts(
        await kbEntryLink({
          manager: manager(),
          entryId: target.id,
          baseUrl: 'http://x',
          now,
          sessionSecret: secret,
        }),
      );
      expect(await check(target.id, e, s, now, secret)).toBe('ok');
      expect(await check(target.id, e, s, now, undefined)).toBe('invalid');
      const stored = parts(
        await kbEntryLink({
          manager: manager(),
          entryId: target.id,
          baseUrl: 'http://x',
          now,
          sessionSecret: undefined,
        }),
      );
      expect(await check(target.id, stored.e, stored.s, now, secret)).toBe('invalid');
    });
  });
});

/** Every attribute name in the tags of `markup` (markdown-it always double-quotes and escapes values). */
function attributeNames(markup: string): string[] {
  return [...markup.matchAll(/<[a-z][a-z0-9]*((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/gi)].flatMap((tag) =>
    [...(tag[1] ?? '').matchAll(/\s+([^\s=>]+)(?:="[^"]*")?/g)].map((attribute) =>
      (attribute[1] ?? '').toLowerCase(),
    ),
  );
}

describe('handbook Markdown', () => {
  const attacks = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '[click](javascript:alert(1))',
    '[click](JaVaScRiPt:alert(1))',
    '[click](java\tscript:alert(1))',
    '[click](&#106;avascript:alert(1))',
    '[click](javascript&#58;alert(1))',
    '[click](vbscript:msgbox(1))',
    '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '<javascript:alert(1)>',
    '![x](javascript:alert(1))',
    '![x](https://evil.example/x.png" onerror="alert(1))',
    '[x](https://ok.example/ "title\\" onmouseover=\\"alert(1)")',
    '```html\n<script>alert(1)</script>\n```',
    '<svg onload=alert(1)>',
    '<iframe src="https://evil.example"></iframe>',
  ];

  it('never lets script, javascript: links or event-handler attributes through', () => {
    for (const source of attacks) {
      const out = renderKbMarkdown(source);
      expect([source, /<script/i.test(out)]).toEqual([source, false]);
      expect([source, /<(img|svg|iframe)\b/i.test(out)]).toEqual([source, false]);
      expect([source, /\shref\s*=\s*["']?\s*(javascript|vbscript|data):/i.test(out)]).toEqual([
        source,
        false,
      ]);
      expect([source, attributeNames(out).filter((name) => name.startsWith('on'))]).toEqual([source, []]);
    }
    expect(renderKbMarkdown('<script>alert(1)</script>')).toContain('&lt;script&gt;');
  });

  it('renders the Markdown handbook authors use, with safe links', () => {
    const out = renderKbMarkdown(
      '## 处理步骤\n1. 测光功率\n2. 联系 [1183301](tel:1183301) 或看 [规范](https://docs.example/ftth) 与 [本站](/kb/1)\n\n**注意**：高处作业系安全带',
    );
    expect(out).toContain('<h2>处理步骤</h2>');
    expect(out).toContain('<ol>');
    expect(out).toContain('<strong>注意</strong>');
    expect(out).toContain('<a href="https://docs.example/ftth" rel="noopener noreferrer nofollow">规范</a>');
    expect(out).toContain('<a href="/kb/1" rel="noopener noreferrer nofollow">本站</a>');
    expect(out).not.toContain('href="tel:'); // only http(s), mailto and relative links
    expect(isSafeKbLink('mailto:desk@example.com')).toBe(true);
    expect(isSafeKbLink('ftp://example.com')).toBe(false);
    expect(isSafeKbLink('/\\evil.example')).toBe(false);
  });
});

describe('handbook import files', () => {
  const file = (name: string, text: string) => ({ name, data: Buffer.from(text, 'utf8') });

  it('reads Markdown (heading title, 标签 line or front matter) and CSV (with a BOM)', () => {
    const { items, problems } = parseKbImport([
      file('a.md', '标签: 光猫, LOID\n\n# 光猫注册失败\n\n先测光功率。'),
      file('b.md', '---\ntitle: 机顶盒无信号\ntags:\n  - 机顶盒\n  - IPTV\npublished: false\n---\n\n正文'),
      file('c.md', '# 宽带拨号 691 错误\n标签：宽带；691\n\n核对账号。'),
      file('d.csv', '\ufefftitle,body,tags\r\nIPTV 花屏,"第一行\n第二行",IPTV;花屏\r\n'),
    ]);
    expect(problems).toEqual([]);
    expect(items.map((item) => item.entry)).toEqual([
      { title: '光猫注册失败', body: '先测光功率。', tags: ['光猫', 'LOID'], isPublished: true },
      { title: '机顶盒无信号', body: '正文', tags: ['机顶盒', 'IPTV'], isPublished: false },
      { title: '宽带拨号 691 错误', body: '核对账号。', tags: ['宽带', '691'], isPublished: true },
      { title: 'IPTV 花屏', body: '第一行\n第二行', tags: ['IPTV', '花屏'], isPublished: true },
    ]);
  });

  it('lists every problem with its file and CSV line', () => {
    const { items, problems } = parseKbImport(
      [
        file(
          'rows.csv',
          'title,body,tags\n好的条目,正文,\n,没有标题,\n多一列,正文,标签,多余\n标签太长,正文,' +
            '很'.repeat(40) +
            '\n好的条目,重复的标题,\n',
        ),
        file('no-title.md', '只有正文，没有标题行。'),
        file('bad-header.csv', 'name,text\n甲,乙\n'),
        file('latin1.md', ''),
        file('notes.txt', '# 标题'),
      ].map((f) =>
        f.name === 'latin1.md' ? { name: f.name, data: Buffer.from([0x23, 0x20, 0xb9, 0xe2]) } : f,
      ),
    );
    expect(items.map((item) => item.entry.title)).toEqual(['好的条目']);
    expect(problems.map((problem) => [problem.file, problem.line, problem.key])).toEqual([
      ['rows.csv', 3, 'kb.error.titleMissing'],
      ['rows.csv', 4, 'kb.import.columns'],
      ['rows.csv', 5, 'kb.error.tagLength'],
      ['no-title.md', undefined, 'kb.import.noTitle'],
      ['bad-header.csv', 1, 'kb.import.header'],
      ['latin1.md', undefined, 'kb.import.notUtf8'],
      ['notes.txt', undefined, 'kb.import.fileType'],
      ['rows.csv', 6, 'kb.import.duplicate'],
    ]);
    expect(problems.at(-1)?.params).toEqual({ title: '好的条目', where: 'rows.csv:2' });
  });
});
