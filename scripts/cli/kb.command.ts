import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { inTransaction } from '../../bot/src/db/transaction';
import { recordAudit } from '../../bot/src/features/audit';
import {
  importKbEntries,
  kbImportPlace,
  parseKbImport,
  KB_IMPORT_EXTENSIONS,
  type KbEntry,
  type KbImportFile,
} from '../../bot/src/features/knowledge';
import { t } from '../../bot/src/i18n';
import { cliActor, UsageError, type CliCommand } from './command';

/** The handbook files under `target` (every .md/.markdown/.csv, recursively, in name order), or `target` itself. */
async function handbookFiles(target: string): Promise<KbImportFile[]> {
  if (!(await stat(target)).isDirectory()) return [{ name: target, data: await readFile(target) }];
  const files: KbImportFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (KB_IMPORT_EXTENSIONS.some((extension) => entry.name.toLowerCase().endsWith(extension)))
        files.push({ name: path.relative(target, full), data: await readFile(full) });
    }
  };
  await walk(target);
  return files;
}

/** What the audit log keeps of an imported entry. */
function snapshot(entry: KbEntry) {
  return {
    title: entry.title,
    tags: entry.tags,
    isPublished: entry.isPublished,
    bodyLength: entry.body.length,
    version: entry.version,
  };
}

export const kbImportCommand: CliCommand = {
  name: 'kb:import',
  summary: 'Import field handbook (装维宝典) entries from Markdown files or a CSV; upserts by title',
  usage: [
    'fieldline kb:import <dir|file> [--skip-invalid]',
    '  Markdown (.md): the first "# " heading is the title, the rest the body; tags from a first line',
    '  "标签: a, b" (or "tags:") or from front matter (--- tags: [a, b] / published: false ---).',
    '  CSV: header title,body,tags; tags separated by ";"; UTF-8 with or without BOM.',
    '  A directory is read recursively (every .md, .markdown and .csv file). Every file and row is',
    '  checked first and every problem listed; nothing is imported while any is bad, unless',
    '  --skip-invalid (then the good ones are imported). Existing titles are updated, keeping photos.',
  ].join('\n'),
  async run(args, { out, err, migratedDatabase }) {
    const targets = args.filter((arg) => !arg.startsWith('--'));
    const skipInvalid = args.includes('--skip-invalid');
    if (targets.length !== 1 || args.some((arg) => arg.startsWith('--') && arg !== '--skip-invalid'))
      throw new UsageError('expected one directory or file');
    const target = targets[0] ?? '';
    let files: KbImportFile[];
    try {
      files = await handbookFiles(target);
    } catch (error) {
      err(`Cannot read ${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      return 1;
    }
    if (files.length === 0) {
      err(`No .md, .markdown or .csv files under ${target}.`);
      return 1;
    }
    const { items, problems } = parseKbImport(files);
    for (const problem of problems)
      err(`${kbImportPlace(problem)}: ${t('en-US', problem.key, problem.params)}`);
    if (problems.length > 0 && !skipInvalid) {
      err(
        `Nothing imported: ${problems.length} problem(s). Fix them, or use --skip-invalid to import the rest.`,
      );
      return 1;
    }
    const dataSource = await migratedDatabase();
    const actor = cliActor();
    const outcome = await inTransaction(dataSource, async (manager) => {
      const result = await importKbEntries({
        manager,
        entries: items.map((item) => item.entry),
        author: actor,
        now: new Date(),
      });
      for (const { entry, before } of result.changes) {
        await recordAudit({
          manager,
          actor,
          action: before ? 'kb.update' : 'kb.create',
          recordType: 'kb_entry',
          recordId: entry.id,
          before: before ? snapshot(before) : null,
          after: { ...snapshot(entry), importedFrom: target },
          ip: null,
        });
      }
      return result;
    });
    out(
      `Imported ${items.length} entr${items.length === 1 ? 'y' : 'ies'} from ${files.length} file(s): ` +
        `${outcome.created} created, ${outcome.updated} updated, ${outcome.unchanged} unchanged` +
        (problems.length > 0 ? `; ${problems.length} problem(s) skipped.` : '.'),
    );
    return 0;
  },
};
