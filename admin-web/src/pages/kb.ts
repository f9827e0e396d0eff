/**
 * The field handbook (装维宝典) in the back office: a searchable list (newest first), an entry's page
 * (rendered Markdown, photos, a signed link to share with engineers), and the add/edit form with photo
 * upload. Everyone with kb.read reads published entries; writers (kb.write) also see drafts. The edit
 * form carries the version it was rendered from: if someone saved in between, nothing is changed and
 * the page says so (409), keeping what the editor typed.
 */
import type Router from '@koa/router';
import Busboy from 'busboy';
import { recordAudit } from '../../../bot/src/features/audit';
import {
  checkKbEntry,
  createKbEntry,
  findKbDrafts,
  findKbEntry,
  kbEntryLink,
  listKbEntries,
  parseTags,
  searchKnowledge,
  updateKbEntry,
  KB_LIMITS,
  type KbEntry,
  type KbEntryInput,
  type KbProblem,
} from '../../../bot/src/features/knowledge';
import { inTransaction } from '../../../bot/src/db/transaction';
import { AppError } from '../../../bot/src/errors';
import { can } from '../access';
import type { AdminContext, AdminDeps, AdminMiddleware, AdminState } from '../context';
import { html, type SafeHtml } from '../html';
import { trustedKbMarkdown } from '../kb-markdown';
import { csrfField, formatTime, layout } from '../layout';
import { imageType } from '../multipart';
import { queryNotice, withNotice } from '../notice';
import { sendStoredPhoto } from '../record-actions';
import { checkCsrf } from '../security';
import { validationProblems } from './form-common';
import { queryText } from './query';

/** Photos: JPEG or PNG (checked by their first bytes, not by what the browser claims), 5 MB each. */
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
const MAX_FILES_PER_SAVE = 6;
const PAGE_SIZE = 50;

type Notice = { readonly kind: 'ok' | 'error'; readonly text: string };

/** What the form shows: the entry's values, or what the editor sent. */
interface FormValues {
  readonly title: string;
  readonly body: string;
  readonly tags: string;
  readonly isPublished: boolean;
  readonly photos: readonly string[];
}

interface Upload {
  readonly data: Buffer;
  readonly isTooLarge: boolean;
}

interface KbForm {
  readonly fields: Record<string, string>;
  readonly removePhotos: readonly string[];
  readonly uploads: readonly Upload[];
  readonly hasTooManyFiles: boolean;
}

/** Reads the entry form (multipart with photos, or urlencoded), with every part capped. */
function readKbForm(ctx: AdminContext): Promise<KbForm> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    const removePhotos: string[] = [];
    const uploads: Upload[] = [];
    let hasTooManyFiles = false;
    let parser: Busboy.Busboy;
    try {
      parser = Busboy({
        headers: ctx.req.headers,
        limits: { fileSize: MAX_PHOTO_BYTES, files: MAX_FILES_PER_SAVE, fields: 40, fieldSize: 256 * 1024 },
      });
    } catch {
      reject(new AppError('BAD_REQUEST', 'not a form'));
      return;
    }
    parser.on('field', (name, value) => {
      if (name === 'removePhoto') removePhotos.push(value);
      else fields[name] = value;
    });
    parser.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      let isTooLarge = false;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => (isTooLarge = true));
      stream.on('end', () => {
        const data = Buffer.concat(chunks);
        // An empty file input still sends a part: no name, no bytes.
        if (data.length > 0 || info.filename) uploads.push({ data, isTooLarge });
      });
    });
    parser.on('filesLimit', () => (hasTooManyFiles = true));
    parser.on('error', reject);
    parser.on('close', () => resolve({ fields, removePhotos, uploads, hasTooManyFiles }));
    ctx.req.pipe(parser);
  });
}

function valuesOf(entry: KbEntry): FormValues {
  return {
    title: entry.title,
    body: entry.body,
    tags: entry.tags.join(', '),
    isPublished: entry.isPublished,
    photos: entry.photos,
  };
}

function problemList(ctx: AdminContext, problems: readonly KbProblem[]): SafeHtml {
  return html`<ul class="errors" id="kb-problems">
    ${problems.map((problem) => html`<li>${ctx.state.say(problem.key, problem.params)}</li>`)}
  </ul>`;
}

function statusBadge(ctx: AdminContext, entry: KbEntry): SafeHtml {
  return entry.isPublished
    ? html`<span class="badge published">${ctx.state.say('web.kb.published')}</span>`
    : html`<span class="badge draft">${ctx.state.say('web.kb.draft')}</span>`;
}

function entryRows(
  ctx: AdminContext,
  deps: AdminDeps,
  rows: ReadonlyArray<{ entry: KbEntry; score?: number }>,
) {
  const { say } = ctx.state;
  return html`<div class="table-wrap">
    <table class="kb-list">
      <thead>
        <tr>
          <th>${say('web.kb.entryTitle')}</th>
          <th>${say('web.kb.tags')}</th>
          <th>${say('web.kb.status')}</th>
          <th>${say('web.kb.updated')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          ({ entry, score }) =>
            html`<tr>
              <td data-label="${say('web.kb.entryTitle')}">
                <a href="/admin/kb/${entry.id}">${entry.title}</a>
                ${score === undefined ? '' : html`<small class="score">${say('web.kb.score')} ${score.toFixed(1)}</small>`}
              </td>
              <td data-label="${say('web.kb.tags')}">${entry.tags.join(say('web.listSeparator'))}</td>
              <td data-label="${say('web.kb.status')}">${statusBadge(ctx, entry)}</td>
              <td data-label="${say('web.kb.updated')}">
                ${formatTime(ctx.state, entry.updatedAt, deps.timeZone)}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

async function listPage(ctx: AdminContext, deps: AdminDeps): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const manager = deps.dataSource().manager;
  const writer = can(user, 'kb.write');
  const q = queryText(ctx, 'q', 100);
  const page = Math.max(1, Math.min(10_000, Number(queryText(ctx, 'page')) || 1));
  let body: SafeHtml;
  if (q !== '') {
    const [found, drafts] = await Promise.all([
      searchKnowledge(manager, q, { limit: PAGE_SIZE }),
      writer ? findKbDrafts(manager, q) : Promise.resolve([]),
    ]);
    body = html`${
        drafts.length > 0
          ? html`<h2>${say('web.kb.drafts', { query: q })}</h2>
              ${entryRows(
                ctx,
                deps,
                drafts.map((entry) => ({ entry })),
              )}`
          : ''
      }
      <p id="kb-count">${say('web.kb.results', { query: q, count: found.length })}</p>
      ${found.length > 0 ? entryRows(ctx, deps, found) : html`<p>${say('web.kb.none')}</p>`}`;
  } else {
    const { items, total } = await listKbEntries(manager, {
      includeDrafts: writer,
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    });
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    body = html`<p id="kb-count">${say('web.kb.count', { count: total })}</p>
      ${
        items.length > 0
          ? entryRows(
              ctx,
              deps,
              items.map((entry) => ({ entry })),
            )
          : html`<p>${say('web.kb.none')}</p>`
      }
      ${
        pages > 1
          ? html`<nav class="actions pager">
              ${page > 1 ? html`<a class="button secondary" href="/admin/kb?page=${page - 1}">${say('web.kb.prev')}</a>` : ''}
              <span>${page} / ${pages}</span>
              ${page < pages ? html`<a class="button secondary" href="/admin/kb?page=${page + 1}">${say('web.kb.next')}</a>` : ''}
            </nav>`
          : ''
      }`;
  }
  const notice = queryNotice(ctx);
  return layout(ctx.state, {
    title: say('web.kb.title'),
    active: 'kb',
    ...(notice ? { notice } : {}),
    body: html`<form method="get" action="/admin/kb" class="search-form">
        <input
          type="search"
          name="q"
          value="${q}"
          maxlength="100"
          placeholder="${say('web.kb.search')}"
          aria-label="${say('web.kb.search')}"
        />
        <button type="submit">${say('web.kb.searchButton')}</button>
      </form>
      ${writer ? html`<div class="actions"><a class="button" href="/admin/kb/new">${say('web.kb.new')}</a></div>` : ''}
      ${body}`,
  });
}

/** Loads an entry the reader may see (drafts only for writers), or answers 404 like a missing one. */
async function visibleEntry(ctx: AdminContext, deps: AdminDeps): Promise<KbEntry> {
  const id = Number(ctx.params.id);
  const entry = Number.isSafeInteger(id) && id > 0 ? await findKbEntry(deps.dataSource().manager, id) : null;
  const user = ctx.state.user;
  if (!entry || !user || (!entry.isPublished && !can(user, 'kb.write')))
    throw new AppError('NOT_FOUND', `kb entry ${ctx.params.id}`);
  return entry;
}

function photoGallery(ctx: AdminContext, entry: KbEntry): SafeHtml {
  const { say } = ctx.state;
  if (entry.photos.length === 0) return html`<p>${say('web.kb.noPhotos')}</p>`;
  return html`<div class="photos">
    ${entry.photos.map(
      (_key, index) =>
        html`<a href="/admin/kb/${entry.id}/photos/${index}" target="_blank" rel="noopener"
          ><img
            src="/admin/kb/${entry.id}/photos/${index}"
            alt="${say('web.kb.photos')} ${index + 1}"
            loading="lazy"
        /></a>`,
    )}
  </div>`;
}

async function viewPage(ctx: AdminContext, deps: AdminDeps, entry: KbEntry): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const share = entry.isPublished
    ? await kbEntryLink({
        manager: deps.dataSource().manager,
        entryId: entry.id,
        // Koa 3's ctx.origin is the Origin header; the request's own address is protocol + host.
        baseUrl: deps.publicBaseUrl ?? `${ctx.protocol}://${ctx.host}`,
        now: new Date(),
        sessionSecret: deps.sessionSecret,
      })
    : undefined;
  const notice = queryNotice(ctx);
  return layout(ctx.state, {
    title: entry.title,
    active: 'kb',
    ...(notice ? { notice } : {}),
    body: html`<section class="card kb-entry" id="kb-entry" data-version="${entry.version}">
        <dl class="facts">
          <dt>${say('web.kb.status')}</dt>
          <dd>${statusBadge(ctx, entry)}</dd>
          <dt>${say('web.kb.tags')}</dt>
          <dd>${entry.tags.join(say('web.listSeparator'))}</dd>
          <dt>${say('web.kb.author')}</dt>
          <dd>${entry.author}</dd>
          <dt>${say('web.kb.created')}</dt>
          <dd>${formatTime(ctx.state, entry.createdAt, deps.timeZone)}</dd>
          <dt>${say('web.kb.updated')}</dt>
          <dd>${formatTime(ctx.state, entry.updatedAt, deps.timeZone)}</dd>
          <dt>${say('web.kb.version')}</dt>
          <dd>${entry.version}</dd>
        </dl>
        ${trustedKbMarkdown(entry.body)}
        <h2>${say('web.kb.photos')}</h2>
        ${photoGallery(ctx, entry)}
      </section>
      <section class="card">
        <h2>${say('web.kb.share')}</h2>
        ${
          share
            ? html`<p>
                <a id="kb-share" href="${share}" target="_blank" rel="noopener noreferrer">${share}</a>
              </p>`
            : html`<p>${say('web.kb.shareDraft')}</p>`
        }
      </section>
      ${
        can(user, 'kb.write')
          ? html`<div class="actions">
              <a class="button" href="/admin/kb/${entry.id}/edit">${say('web.kb.edit')}</a>
            </div>`
          : ''
      }`,
  });
}

function formPage(
  ctx: AdminContext,
  options: {
    readonly entry?: KbEntry;
    /** The version the form stands for: the entry's, or the one the editor's form was rendered from. */
    readonly version?: number;
    readonly values: FormValues;
    readonly problems?: readonly KbProblem[];
    readonly notice?: Notice;
    /** On a conflict: the body the editor sent, kept so nothing typed is lost. */
    readonly sentBody?: string;
  },
): string {
  const { say } = ctx.state;
  const { entry, values } = options;
  const action = entry ? `/admin/kb/${entry.id}/edit` : '/admin/kb/new';
  return layout(ctx.state, {
    title: entry ? say('web.kb.editTitle', { title: entry.title }) : say('web.kb.new'),
    active: 'kb',
    ...(options.notice ? { notice: options.notice } : {}),
    body: html`${
        options.problems && options.problems.length > 0
          ? html`<p>${say('web.kb.problems')}</p>
              ${problemList(ctx, options.problems)}`
          : ''
      }
      <form method="post" action="${action}" enctype="multipart/form-data" class="card" id="kb-form">
        ${csrfField(ctx.state)}
        ${entry ? html`<input type="hidden" name="version" value="${options.version ?? entry.version}" />` : ''}
        <label
          >${say('web.kb.entryTitle')}<input
            name="title"
            value="${values.title}"
            required
            maxlength="${KB_LIMITS.title}"
        /></label>
        <label
          >${say('web.kb.tags')}<input
            name="tags"
            value="${values.tags}"
            placeholder="${say('web.kb.tagsHint')}"
        /></label>
        <label
          >${say('web.kb.body')}<textarea name="body" rows="16" maxlength="${KB_LIMITS.body}">
${values.body}</textarea>
        </label>
        <p class="hint">${say('web.kb.bodyHint')}</p>
        <label class="check"
          ><input type="checkbox" name="isPublished" value="1" ${values.isPublished ? html`checked` : ''} />
          ${say('web.kb.isPublished')}</label
        >
        ${
          entry && values.photos.length > 0
            ? html`<fieldset class="photos edit-photos">
                <legend>${say('web.kb.photos')}</legend>
                ${values.photos.map(
                  (key, index) =>
                    html`<label class="check photo"
                      ><img
                        src="/admin/kb/${entry.id}/photos/${index}"
                        alt="${say('web.kb.photos')} ${index + 1}"
                        loading="lazy"
                      />
                      <input type="checkbox" name="removePhoto" value="${key}" />
                      ${say('web.kb.removePhoto')}</label
                    >`,
                )}
              </fieldset>`
            : ''
        }
        <label
          >${say('web.kb.addPhotos')}<input type="file" name="photos" accept="image/jpeg,image/png" multiple
        /></label>
        <button type="submit">${say('web.kb.save')}</button>
      </form>
      ${
        options.sentBody !== undefined
          ? html`<section class="card" id="kb-sent">
              <h2>${say('web.kb.yourText')}</h2>
              <textarea readonly rows="10" aria-label="${say('web.kb.yourText')}">
${options.sentBody}</textarea>
            </section>`
          : ''
      }`,
  });
}

function sentValues(form: KbForm, photos: readonly string[]): FormValues {
  return {
    title: form.fields.title ?? '',
    body: form.fields.body ?? '',
    tags: form.fields.tags ?? '',
    isPublished: form.fields.isPublished === '1',
    photos,
  };
}

/** Problems with the uploaded files themselves (type, size, count). */
function uploadProblems(form: KbForm, keptPhotos: number): KbProblem[] {
  const problems: KbProblem[] = [];
  if (form.uploads.some((upload) => upload.isTooLarge))
    problems.push({
      field: 'photos',
      key: 'kb.error.photoSize',
      params: { max: MAX_PHOTO_BYTES / 1024 / 1024 },
    });
  else if (form.uploads.some((upload) => !imageType(upload.data)))
    problems.push({ field: 'photos', key: 'kb.error.photoType' });
  if (form.hasTooManyFiles || keptPhotos + form.uploads.length > KB_LIMITS.photos)
    problems.push({ field: 'photos', key: 'kb.error.photoCount', params: { max: KB_LIMITS.photos } });
  return problems;
}

/** Stores the uploaded photos (content-addressed: a failed save leaves at most unused files behind). */
async function storePhotos(deps: AdminDeps, form: KbForm): Promise<string[]> {
  const keys: string[] = [];
  for (const upload of form.uploads) {
    const type = imageType(upload.data);
    if (!type) continue;
    keys.push((await deps.storage.put(upload.data, type.extension, type.mimeType)).key);
  }
  return keys;
}

/** What the audit log keeps of an entry: enough to see what changed, without the whole text. */
function snapshot(entry: KbEntry) {
  return {
    title: entry.title,
    tags: entry.tags,
    isPublished: entry.isPublished,
    photos: entry.photos.length,
    bodyLength: entry.body.length,
    version: entry.version,
  };
}

export function kbRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'kb.read' | 'kb.write') => AdminMiddleware,
): void {
  router.get('/admin/kb', guard('kb.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await listPage(ctx, deps);
  });

  router.get('/admin/kb/new', guard('kb.write'), (ctx) => {
    ctx.type = 'html';
    ctx.body = formPage(ctx, { values: { title: '', body: '', tags: '', isPublished: true, photos: [] } });
  });

  router.post('/admin/kb/new', guard('kb.write'), async (ctx) => {
    const user = ctx.state.user;
    const form = await readKbForm(ctx);
    checkCsrf(ctx.state, form.fields._csrf);
    if (!user) return;
    const input: KbEntryInput = {
      title: form.fields.title ?? '',
      body: form.fields.body ?? '',
      tags: parseTags(form.fields.tags ?? ''),
      photos: [],
      isPublished: form.fields.isPublished === '1',
    };
    const checked = checkKbEntry(input);
    const problems = [...(checked.ok ? [] : checked.problems), ...uploadProblems(form, 0)];
    const refuse = (status: number, found: readonly KbProblem[]) => {
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = formPage(ctx, { values: sentValues(form, []), problems: found });
    };
    if (problems.length > 0)
      return refuse(problems.some((p) => p.key === 'kb.error.photoSize') ? 413 : 400, problems);
    const photos = await storePhotos(deps, form);
    let created: KbEntry;
    try {
      created = await inTransaction(deps.dataSource(), async (manager) => {
        const entry = await createKbEntry({
          manager,
          input: { ...input, photos },
          author: user.staffNo,
          now: new Date(),
        });
        await recordAudit({
          manager,
          actor: user.staffNo,
          action: 'kb.create',
          recordType: 'kb_entry',
          recordId: entry.id,
          after: snapshot(entry),
          ip: ctx.ip,
        });
        return entry;
      });
    } catch (error) {
      const found = validationProblems<KbProblem>(error);
      if (!found) throw error;
      return refuse(400, found);
    }
    ctx.redirect(withNotice(`/admin/kb/${created.id}`, 'web.saved'));
  });

  router.get('/admin/kb/:id', guard('kb.read'), async (ctx) => {
    const entry = await visibleEntry(ctx, deps);
    ctx.type = 'html';
    ctx.body = await viewPage(ctx, deps, entry);
  });

  router.get('/admin/kb/:id/edit', guard('kb.write'), async (ctx) => {
    const entry = await visibleEntry(ctx, deps);
    ctx.type = 'html';
    ctx.body = formPage(ctx, { entry, values: valuesOf(entry) });
  });

  router.post('/admin/kb/:id/edit', guard('kb.write'), async (ctx) => {
    const user = ctx.state.user;
    const form = await readKbForm(ctx);
    checkCsrf(ctx.state, form.fields._csrf);
    const entry = await visibleEntry(ctx, deps);
    if (!user) return;
    const version = Number(form.fields.version);
    if (!Number.isSafeInteger(version) || version < 1)
      throw new AppError('VALIDATION_FAILED', 'version', { params: { detail: 'version' } });
    const kept = entry.photos.filter((key) => !form.removePhotos.includes(key));
    const changes = {
      title: form.fields.title ?? '',
      body: form.fields.body ?? '',
      tags: parseTags(form.fields.tags ?? ''),
      isPublished: form.fields.isPublished === '1',
    };
    const checked = checkKbEntry({ ...changes, photos: kept });
    const problems = [...(checked.ok ? [] : checked.problems), ...uploadProblems(form, kept.length)];
    const refuse = (status: number, found: readonly KbProblem[]) => {
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = formPage(ctx, { entry, version, values: sentValues(form, entry.photos), problems: found });
    };
    if (problems.length > 0)
      return refuse(problems.some((p) => p.key === 'kb.error.photoSize') ? 413 : 400, problems);
    const added = await storePhotos(deps, form);
    let updated: KbEntry;
    try {
      updated = await inTransaction(deps.dataSource(), async (manager) => {
        const saved = await updateKbEntry({
          manager,
          id: entry.id,
          version,
          changes: { ...changes, photos: [...kept, ...added] },
          now: new Date(),
        });
        await recordAudit({
          manager,
          actor: user.staffNo,
          action: 'kb.update',
          recordType: 'kb_entry',
          recordId: entry.id,
          before: { ...snapshot(entry), version },
          after: snapshot(saved),
          ip: ctx.ip,
        });
        return saved;
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'CONFLICT') {
        ctx.state.log.info({ reason: error.message }, 'kb edit refused: stale version');
        const current = (await findKbEntry(deps.dataSource().manager, entry.id)) ?? entry;
        ctx.status = 409;
        ctx.type = 'html';
        ctx.body = formPage(ctx, {
          entry: current,
          values: valuesOf(current),
          notice: { kind: 'error', text: ctx.state.say('web.kb.conflict') },
          sentBody: changes.body,
        });
        return;
      }
      const found = validationProblems<KbProblem>(error);
      if (!found) throw error;
      return refuse(400, found);
    }
    ctx.redirect(withNotice(`/admin/kb/${updated.id}`, 'web.saved'));
  });

  router.get('/admin/kb/:id/photos/:index', guard('kb.read'), async (ctx) => {
    const entry = await visibleEntry(ctx, deps);
    const key = /^\d{1,2}$/.test(ctx.params.index ?? '') ? entry.photos[Number(ctx.params.index)] : undefined;
    if (!key) throw new AppError('NOT_FOUND', 'photo');
    await sendStoredPhoto(ctx, deps.storage, key);
  });
}
