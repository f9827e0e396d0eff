/**
 * Training videos (`视频` in WeCom lists the active ones, in this order): the list with length, link,
 * state and order; the add/edit form (title, description, length as m:ss, https link, cover picture);
 * deactivate/reactivate; and moving a video up or down among the active (or the inactive) ones.
 * Tier-2 and admins edit, managers read. Like the article form, a refused save shows each problem next
 * to its field with everything as typed, and a save over someone else's change (409) shows the current
 * video with what was sent beside it. Every change is audited in its own transaction.
 */
import type Router from '@koa/router';
import type { EntityManager } from 'typeorm';
import { inTransaction } from '../../../bot/src/db/transaction';
import { AppError } from '../../../bot/src/errors';
import { recordAudit } from '../../../bot/src/features/audit';
import {
  VIDEO_LIMITS,
  createTrainingVideo,
  deactivateTrainingVideo,
  findVideo,
  formatDuration,
  isHttpsUrl,
  listVideos,
  parseDuration,
  reorderTrainingVideos,
  updateTrainingVideo,
  type BroadcastProblem,
  type TrainingVideo,
  type VideoInput,
} from '../../../bot/src/features/broadcast';
import { can } from '../access';
import type { AdminContext, AdminDeps, AdminMiddleware, AdminState } from '../context';
import { html, type SafeHtml } from '../html';
import { csrfField, formatTime, layout } from '../layout';
import { queryNotice, withNotice } from '../notice';
import { loadVisibleRecord, sendStoredPhoto } from '../record-actions';
import { readCheckedForm } from '../security';
import {
  formVersion,
  keptCover,
  readBroadcastForm,
  receiveCover,
  refusalStatus,
  type BroadcastForm,
  type FormProblem,
} from './broadcast-form';
import { coverFieldset, problemList } from './broadcast-view';
import { inputField, textareaField, validationProblems } from './form-common';
import { dataTable } from './table';

type Notice = { readonly kind: 'ok' | 'error'; readonly text: string };

/** What the form shows: a video's values, or exactly what the editor sent. */
interface VideoFormValues {
  readonly title: string;
  readonly description: string;
  /** As typed: `m:ss`, `h:mm:ss` or seconds. */
  readonly duration: string;
  readonly url: string;
  readonly isActive: boolean;
  readonly removeCover: boolean;
  readonly pendingCover: string | null;
}

const EMPTY: VideoFormValues = {
  title: '',
  description: '',
  duration: '',
  url: '',
  isActive: true,
  removeCover: false,
  pendingCover: null,
};

function valuesOf(video: TrainingVideo): VideoFormValues {
  return {
    title: video.title,
    description: video.description,
    duration: formatDuration(video.durationSeconds),
    url: video.url,
    isActive: video.isActive,
    removeCover: false,
    pendingCover: null,
  };
}

function sentValues(form: BroadcastForm, cover: string | null): VideoFormValues {
  return {
    title: form.text('title'),
    description: form.text('description'),
    duration: form.text('duration'),
    url: form.text('url'),
    isActive: form.isChecked('isActive'),
    removeCover: form.isChecked('removeCover'),
    pendingCover: cover,
  };
}

function videoFacts(video: TrainingVideo): Record<string, unknown> {
  return {
    title: video.title,
    durationSeconds: video.durationSeconds,
    url: video.url,
    hasCover: video.coverKey !== null,
    isActive: video.isActive,
    sortOrder: video.sortOrder,
    version: video.version,
  };
}

async function audit(
  manager: EntityManager,
  ctx: AdminContext,
  action: string,
  recordId: number | null,
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown>,
): Promise<void> {
  await recordAudit({
    manager,
    actor: ctx.state.user?.staffNo ?? '?',
    action: `video.${action}`,
    recordType: 'training_video',
    recordId,
    ...(before ? { before } : {}),
    after,
    ip: ctx.ip,
  });
}

function loadVideo(ctx: AdminContext, deps: AdminDeps): Promise<TrainingVideo> {
  return loadVisibleRecord(
    ctx,
    'training video',
    (id) => findVideo(deps.dataSource().manager, id),
    (user) => can(user, 'broadcast.read'),
  );
}

function stateBadge(state: AdminState, video: TrainingVideo): SafeHtml {
  return video.isActive
    ? html`<span class="badge published">${state.say('web.video.active')}</span>`
    : html`<span class="badge draft">${state.say('web.video.inactive')}</span>`;
}

function activeToggle(state: AdminState, video: TrainingVideo): SafeHtml {
  return html`<form method="post" action="/admin/videos/${video.id}/active" class="inline">
    ${csrfField(state)}
    <input type="hidden" name="version" value="${video.version}" />
    <input type="hidden" name="isActive" value="${video.isActive ? '0' : '1'}" />
    <button type="submit" class="${video.isActive ? 'danger' : 'secondary'}">
      ${state.say(video.isActive ? 'web.video.deactivate' : 'web.video.reactivate')}
    </button>
  </form>`;
}

function moveButton(state: AdminState, video: TrainingVideo, direction: 'up' | 'down'): SafeHtml {
  return html`<form method="post" action="/admin/videos/${video.id}/move" class="inline">
    ${csrfField(state)}
    <input type="hidden" name="direction" value="${direction}" />
    <button type="submit" class="secondary" data-move="${direction}">
      ${state.say(direction === 'up' ? 'web.video.up' : 'web.video.down')}
    </button>
  </form>`;
}

async function listPage(ctx: AdminContext, deps: AdminDeps, notice?: Notice): Promise<string> {
  const { say, user } = ctx.state;
  const state = ctx.state;
  if (!user) return '';
  const writer = can(user, 'broadcast.write');
  const videos = await listVideos(deps.dataSource().manager);
  const headings = {
    order: say('web.video.order'),
    title: say('web.video.videoTitle'),
    length: say('web.video.length'),
    link: say('web.video.url'),
    state: say('web.video.state'),
  };
  const shown = notice ?? queryNotice(ctx);
  return layout(state, {
    title: say('web.video.title'),
    active: 'videos',
    ...(shown ? { notice: shown } : {}),
    body: html`<nav class="actions">
        ${writer ? html`<a class="button" href="/admin/videos/new" id="video-new">${say('web.video.new')}</a>` : ''}
        <a class="button secondary" href="/admin/articles">${say('web.nav.articles')}</a>
      </nav>
      <p class="hint">${say('web.video.hint')}</p>
      ${
        videos.length === 0
          ? html`<p id="video-none">${say('web.video.none')}</p>`
          : dataTable(
              'videos',
              Object.values(headings),
              videos.map((video, index) => {
                const same = (other: TrainingVideo | undefined) => other?.isActive === video.isActive;
                return html`<tr data-video="${video.id}">
                  <td data-label="${headings.order}">${video.isActive ? index + 1 : ''}</td>
                  <td data-label="${headings.title}">
                    <a href="/admin/videos/${video.id}">${video.title}</a>
                  </td>
                  <td data-label="${headings.length}" data-length>
                    ${formatDuration(video.durationSeconds)}
                  </td>
                  <td data-label="${headings.link}">
                    ${isHttpsUrl(video.url) ? html`<a href="${video.url}" target="_blank" rel="noopener noreferrer">${video.url}</a>` : video.url}
                  </td>
                  <td data-label="${headings.state}">${stateBadge(state, video)}</td>
                  ${
                    writer
                      ? html`<td>
                          ${same(videos[index - 1]) ? moveButton(state, video, 'up') : ''}
                          ${same(videos[index + 1]) ? moveButton(state, video, 'down') : ''}
                          ${activeToggle(state, video)}
                        </td>`
                      : ''
                  }
                </tr>`;
              }),
              { actionsColumn: writer },
            )
      }`,
  });
}

interface FormOptions {
  readonly video?: TrainingVideo;
  readonly version?: number;
  readonly values: VideoFormValues;
  readonly problems?: readonly FormProblem[];
  readonly notice?: Notice;
  readonly sent?: VideoFormValues;
}

function formPage(ctx: AdminContext, deps: AdminDeps, options: FormOptions): string {
  const { say, user } = ctx.state;
  const state = ctx.state;
  const { video, values } = options;
  const problems = options.problems ?? [];
  const writer = user ? can(user, 'broadcast.write') : false;
  const action = video ? `/admin/videos/${video.id}` : '/admin/videos/new';
  const shown = options.notice ?? queryNotice(ctx);
  return layout(state, {
    title: video ? say('web.video.editTitle', { title: video.title }) : say('web.video.new'),
    active: 'videos',
    ...(shown ? { notice: shown } : {}),
    body: html`<nav class="actions">
        <a class="button secondary" href="/admin/videos">${say('web.video.title')}</a>
      </nav>
      ${problemList(state, problems, 'video-problems')}
      ${
        video
          ? html`<p class="hint" id="video-meta">
              ${stateBadge(state, video)} ${say('web.video.version', { version: video.version })} ·
              ${formatTime(state, video.updatedAt, deps.timeZone)}
            </p>`
          : ''
      }
      <form method="post" action="${action}" enctype="multipart/form-data" class="card" id="video-form">
        ${csrfField(state)}
        ${video ? html`<input type="hidden" name="version" value="${options.version ?? video.version}" />` : ''}
        <fieldset ${writer ? '' : html`disabled`}>
          ${inputField(state, {
            label: say('web.video.videoTitle'),
            name: 'title',
            value: values.title,
            problems,
            required: true,
            maxLength: VIDEO_LIMITS.title,
          })}
          ${textareaField(state, {
            label: say('web.video.description'),
            name: 'description',
            value: values.description,
            rows: 3,
            problems,
            maxLength: VIDEO_LIMITS.description,
          })}
          ${inputField(state, {
            label: say('web.video.length'),
            name: 'duration',
            value: values.duration,
            problems,
            placeholder: '5:30',
            inputMode: 'numeric',
            required: true,
            hint: say('web.video.lengthHint'),
          })}
          ${inputField(state, {
            label: say('web.video.url'),
            type: 'url',
            name: 'url',
            value: values.url,
            problems,
            placeholder: 'https://',
            required: true,
            maxLength: VIDEO_LIMITS.url,
          })}
          ${coverFieldset(state, {
            label: 'web.video.cover',
            savedCoverUrl: video?.coverKey ? `/admin/videos/${video.id}/cover` : undefined,
            pendingHintId: 'video-pending-cover',
            values,
            problems,
          })}
          <label class="check"
            ><input type="checkbox" name="isActive" value="1" ${values.isActive ? html`checked` : ''} />
            ${say('web.video.isActive')}</label
          >
          <button type="submit">${say('web.video.save')}</button>
        </fieldset>
      </form>
      ${video && writer ? html`<div class="actions">${activeToggle(state, video)}</div>` : ''}
      ${
        options.sent
          ? html`<section class="card" id="video-sent">
              <h2>${say('web.broadcast.yourInput')}</h2>
              <dl class="facts">
                <dt>${say('web.video.videoTitle')}</dt>
                <dd>${options.sent.title}</dd>
                <dt>${say('web.video.length')}</dt>
                <dd>${options.sent.duration}</dd>
                <dt>${say('web.video.url')}</dt>
                <dd>${options.sent.url}</dd>
              </dl>
              <label
                >${say('web.video.description')}<textarea readonly rows="3">
${options.sent.description}</textarea>
              </label>
            </section>`
          : ''
      }`,
  });
}

/** The form as the commands take it, or the problems only the form can see (a length it cannot read). */
function inputOf(values: VideoFormValues, coverKey: string | null): VideoInput | FormProblem {
  const durationSeconds = parseDuration(values.duration);
  if (durationSeconds === undefined) return { field: 'duration', key: 'broadcast.error.videoDuration' };
  return {
    title: values.title,
    description: values.description,
    durationSeconds,
    url: values.url,
    coverKey,
    isActive: values.isActive,
  };
}

async function submit(ctx: AdminContext, deps: AdminDeps, form: BroadcastForm, existing?: TrainingVideo) {
  const now = new Date();
  const { problems, cover } = await receiveCover(ctx.state, deps.storage, form);
  const values = sentValues(form, cover);
  const version = formVersion(form, existing !== undefined);
  const input = inputOf(values, keptCover(values, existing?.coverKey));
  if ('key' in input) problems.push(input);
  const refuse = (status: number, found: readonly FormProblem[]) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = formPage(ctx, deps, {
      ...(existing ? { video: existing, version } : {}),
      values,
      problems: found,
    });
  };
  if (problems.length > 0 || 'key' in input) return refuse(refusalStatus(problems), problems);
  let saved: TrainingVideo;
  try {
    saved = await inTransaction(deps.dataSource(), async (manager) => {
      const video = existing
        ? await updateTrainingVideo({ manager, id: existing.id, version: version ?? 0, changes: input, now })
        : await createTrainingVideo({ manager, input, now });
      await audit(
        manager,
        ctx,
        existing ? 'update' : 'create',
        video.id,
        existing ? videoFacts(existing) : undefined,
        videoFacts(video),
      );
      return video;
    });
  } catch (error) {
    if (existing && error instanceof AppError && error.code === 'CONFLICT') {
      ctx.state.log.info({ reason: error.message }, 'video edit refused: stale version');
      const current = (await findVideo(deps.dataSource().manager, existing.id)) ?? existing;
      ctx.status = 409;
      ctx.type = 'html';
      ctx.body = formPage(ctx, deps, {
        video: current,
        values: { ...valuesOf(current), pendingCover: values.pendingCover },
        notice: { kind: 'error', text: ctx.state.say('web.video.conflict') },
        sent: values,
      });
      return;
    }
    const found = validationProblems<BroadcastProblem>(error);
    if (!found) throw error;
    return refuse(400, found);
  }
  ctx.redirect(withNotice(existing ? `/admin/videos/${saved.id}` : '/admin/videos', 'web.saved'));
}

/**
 * Moves a video one place among those of the same state, in the order the list shows (active first):
 * the whole shown order is written back, so what the list shows and what `视频` sends stay the same.
 */
async function moveVideo(
  manager: EntityManager,
  id: number,
  direction: 'up' | 'down',
  now: Date,
): Promise<{ before: number[]; after: number[] }> {
  const videos = await listVideos(manager);
  const before = videos.map((video) => video.id);
  const index = videos.findIndex((video) => video.id === id);
  const target = direction === 'up' ? index - 1 : index + 1;
  const neighbour = videos[target];
  const current = videos[index];
  if (!current || !neighbour || neighbour.isActive !== current.isActive) return { before, after: before };
  const after = [...before];
  [after[index], after[target]] = [neighbour.id, current.id];
  await reorderTrainingVideos({ manager, orderedIds: after, now });
  return { before, after };
}

export function videoRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'broadcast.read' | 'broadcast.write') => AdminMiddleware,
): void {
  router.get('/admin/videos', guard('broadcast.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await listPage(ctx, deps);
  });

  router.get('/admin/videos/new', guard('broadcast.write'), (ctx) => {
    ctx.type = 'html';
    ctx.body = formPage(ctx, deps, { values: EMPTY });
  });

  router.post('/admin/videos/new', guard('broadcast.write'), async (ctx) => {
    const form = await readBroadcastForm(ctx);
    await submit(ctx, deps, form);
  });

  router.get('/admin/videos/:id', guard('broadcast.read'), async (ctx) => {
    const video = await loadVideo(ctx, deps);
    ctx.type = 'html';
    ctx.body = formPage(ctx, deps, { video, values: valuesOf(video) });
  });

  router.post('/admin/videos/:id', guard('broadcast.write'), async (ctx) => {
    const form = await readBroadcastForm(ctx);
    const video = await loadVideo(ctx, deps);
    await submit(ctx, deps, form, video);
  });

  router.get('/admin/videos/:id/cover', guard('broadcast.read'), async (ctx) => {
    const video = await loadVideo(ctx, deps);
    if (!video.coverKey) throw new AppError('NOT_FOUND', 'cover');
    await sendStoredPhoto(ctx, deps.storage, video.coverKey);
  });

  router.post('/admin/videos/:id/active', guard('broadcast.write'), async (ctx) => {
    const form = await readCheckedForm(ctx);
    const video = await loadVideo(ctx, deps);
    const version = Number(form.version);
    const activate = form.isActive === '1';
    try {
      await inTransaction(deps.dataSource(), async (manager) => {
        const now = new Date();
        const changed = activate
          ? await updateTrainingVideo({ manager, id: video.id, version, changes: { isActive: true }, now })
          : await deactivateTrainingVideo({ manager, id: video.id, version, now });
        await audit(
          manager,
          ctx,
          activate ? 'reactivate' : 'deactivate',
          video.id,
          videoFacts(video),
          videoFacts(changed),
        );
      });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'CONFLICT') throw error;
      ctx.state.log.info({ reason: error.message }, 'video (de)activation refused: stale version');
      ctx.status = 409;
      ctx.type = 'html';
      ctx.body = await listPage(ctx, deps, { kind: 'error', text: ctx.state.say('web.video.conflict') });
      return;
    }
    ctx.redirect(withNotice('/admin/videos', 'web.saved'));
  });

  router.post('/admin/videos/:id/move', guard('broadcast.write'), async (ctx) => {
    const form = await readCheckedForm(ctx);
    const video = await loadVideo(ctx, deps);
    const direction = form.direction === 'up' ? 'up' : form.direction === 'down' ? 'down' : undefined;
    if (!direction) throw new AppError('VALIDATION_FAILED', 'direction', { params: { detail: 'direction' } });
    await inTransaction(deps.dataSource(), async (manager) => {
      const order = await moveVideo(manager, video.id, direction, new Date());
      if (order.after !== order.before)
        await audit(
          manager,
          ctx,
          'reorder',
          video.id,
          { order: order.before },
          { order: order.after, direction },
        );
    });
    ctx.redirect('/admin/videos');
  });
}
