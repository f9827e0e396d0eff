/**
 * Reading handbook files for `fieldline kb:import`: Markdown (one entry a file) and CSV (one a row).
 *
 * Markdown: the first `# ` heading is the title and the rest the body. Tags come from an optional line
 * `标签: a, b` (or `tags:`) as the first line, or just under the heading, or from YAML-style front matter
 * (`---` … `---` with `title:`, `tags: a, b` / `tags: [a, b]` / `- a` items, `published: false`).
 * CSV: the header `title,body,tags`, tags separated by `;`, UTF-8 with or without a BOM.
 * Everything is checked before anything is imported; each problem names its file (and CSV line).
 */
import type { MessageKey, MessageParams } from '../../i18n';
import { decodeUtf8, parseCsv } from '../staff';
import { checkKbEntry, parseTags, type KbEntryInput } from './knowledge.schema';

export type KbImportEntry = Omit<KbEntryInput, 'photos'>;

export interface KbImportItem {
  readonly file: string;
  /** The CSV line the row starts on; absent for Markdown. */
  readonly line?: number;
  readonly entry: KbImportEntry;
}

export interface KbImportProblem {
  readonly file: string;
  readonly line?: number;
  readonly key: MessageKey;
  readonly params?: MessageParams;
}

export interface KbImportFile {
  /** Shown in problems (a path relative to what the user named). */
  readonly name: string;
  readonly data: Buffer;
}

export const KB_IMPORT_EXTENSIONS = ['.md', '.markdown', '.csv'] as const;
export const KB_CSV_HEADER = ['title', 'body', 'tags'] as const;

const TAGS_LINE = /^\s*(?:标签|tags)\s*[:：]\s*(.*)$/i;
const HEADING = /^#\s+(.+?)\s*#*\s*$/;

function frontMatterTags(value: string, following: readonly string[]): string[] {
  const inline = value.trim();
  if (inline.startsWith('[') && inline.endsWith(']'))
    return parseTags(inline.slice(1, -1).replace(/["']/g, ''));
  if (inline !== '') return parseTags(inline);
  const items: string[] = [];
  for (const line of following) {
    const item = /^\s*-\s+(.+)$/.exec(line);
    if (!item) break;
    items.push((item[1] ?? '').replace(/^["']|["']$/g, ''));
  }
  return parseTags(items.join(','));
}

function parseMarkdown(file: string, text: string): { items: KbImportItem[]; problems: KbImportProblem[] } {
  let lines = text.replace(/\r\n?/g, '\n').split('\n');
  let title: string | undefined;
  let tags: string[] = [];
  let isPublished = true;
  if (lines[0]?.trim() === '---') {
    const end = lines.findIndex((line, index) => index > 0 && line.trim() === '---');
    if (end < 0) return { items: [], problems: [{ file, key: 'kb.import.frontMatter' }] };
    const header = lines.slice(1, end);
    header.forEach((line, index) => {
      const field = /^([A-Za-z\u4e00-\u9fff]+)\s*[:：]\s*(.*)$/.exec(line);
      if (!field) return;
      const [, name = '', value = ''] = field;
      const key = name.toLowerCase();
      if (key === 'title' || key === '标题') title = value.trim().replace(/^["']|["']$/g, '');
      else if (key === 'tags' || key === '标签') tags = frontMatterTags(value, header.slice(index + 1));
      else if (key === 'published' || key === '发布') isPublished = !/^(false|no|否|0)$/i.test(value.trim());
    });
    lines = lines.slice(end + 1);
  }
  const firstText = lines.findIndex((line) => line.trim() !== '');
  const tagsFirst = firstText >= 0 ? TAGS_LINE.exec(lines[firstText] ?? '') : null;
  if (tagsFirst) {
    tags = parseTags(tagsFirst[1] ?? '');
    lines.splice(firstText, 1);
  }
  const headingAt = lines.findIndex((line) => HEADING.test(line));
  if (headingAt >= 0) {
    title ??= HEADING.exec(lines[headingAt] ?? '')?.[1];
    lines.splice(headingAt, 1);
    const next = lines.findIndex((line, index) => index >= headingAt && line.trim() !== '');
    const tagsBelow = next >= 0 ? TAGS_LINE.exec(lines[next] ?? '') : null;
    if (tagsBelow && !tagsFirst) {
      tags = parseTags(tagsBelow[1] ?? '');
      lines.splice(next, 1);
    }
  }
  if (!title) return { items: [], problems: [{ file, key: 'kb.import.noTitle' }] };
  const entry = { title, body: lines.join('\n'), tags, isPublished };
  const checked = checkKbEntry({ ...entry, photos: [] });
  if (!checked.ok)
    return {
      items: [],
      problems: checked.problems.map((problem) => ({
        file,
        key: problem.key,
        ...(problem.params ? { params: problem.params } : {}),
      })),
    };
  const { photos: _photos, ...value } = checked.value;
  return { items: [{ file, entry: value }], problems: [] };
}

function parseCsvFile(file: string, text: string): { items: KbImportItem[]; problems: KbImportProblem[] } {
  let records;
  try {
    records = parseCsv(text);
  } catch (error) {
    return {
      items: [],
      problems: [{ file, key: 'kb.import.csv', params: { detail: (error as Error).message } }],
    };
  }
  const [header, ...rows] = records;
  const expected = KB_CSV_HEADER.join(',');
  if (!header || header.fields.map((field) => field.trim().toLowerCase()).join(',') !== expected)
    return {
      items: [],
      problems: [{ file, line: 1, key: 'kb.import.header', params: { header: expected } }],
    };
  const items: KbImportItem[] = [];
  const problems: KbImportProblem[] = [];
  for (const { line, fields } of rows) {
    if (fields.length !== KB_CSV_HEADER.length) {
      problems.push({ file, line, key: 'kb.import.columns', params: { found: fields.length } });
      continue;
    }
    const [title = '', body = '', tags = ''] = fields;
    const checked = checkKbEntry({ title, body, tags: parseTags(tags), photos: [], isPublished: true });
    if (!checked.ok) {
      for (const problem of checked.problems)
        problems.push({
          file,
          line,
          key: problem.key,
          ...(problem.params ? { params: problem.params } : {}),
        });
      continue;
    }
    const { photos: _photos, ...entry } = checked.value;
    items.push({ file, line, entry });
  }
  return { items, problems };
}

/**
 * Parses and checks every file: the entries that are fine, and every problem (bad files, bad rows, a
 * title given twice — the later one is the problem). Nothing is written.
 */
export function parseKbImport(files: readonly KbImportFile[]): {
  items: KbImportItem[];
  problems: KbImportProblem[];
} {
  const items: KbImportItem[] = [];
  const problems: KbImportProblem[] = [];
  for (const { name, data } of files) {
    const text = decodeUtf8(data);
    if (text === undefined) {
      problems.push({ file: name, key: 'kb.import.notUtf8' });
      continue;
    }
    const lower = name.toLowerCase();
    const parsed = lower.endsWith('.csv')
      ? parseCsvFile(name, text)
      : lower.endsWith('.md') || lower.endsWith('.markdown')
        ? parseMarkdown(name, text)
        : { items: [], problems: [{ file: name, key: 'kb.import.fileType' as const }] };
    items.push(...parsed.items);
    problems.push(...parsed.problems);
  }
  const firstSeen = new Map<string, KbImportItem>();
  const unique = items.filter((item) => {
    const earlier = firstSeen.get(item.entry.title);
    if (!earlier) {
      firstSeen.set(item.entry.title, item);
      return true;
    }
    problems.push({
      file: item.file,
      ...(item.line === undefined ? {} : { line: item.line }),
      key: 'kb.import.duplicate',
      params: { title: item.entry.title, where: kbImportPlace(earlier) },
    });
    return false;
  });
  return { items: unique, problems };
}

/** `file` or `file:line`, as problems are shown. */
export function kbImportPlace(at: { readonly file: string; readonly line?: number }): string {
  return at.line === undefined ? at.file : `${at.file}:${at.line}`;
}
