/**
 * One completion request: the order and business type, the photos labelled with their checklist item
 * (served only to people who may see the request), the serials, the measured optical power with its
 * flag, the engineer's contact, the resubmission chain and the timeline — and the actions the reader may
 * take now: claim, then complete (with a result note) or reject (a reason from the list plus text).
 * Every change form carries the version it was rendered from; a stale or illegal action re-renders the
 * page with the current state and says why.
 */
import type Router from '@koa/router';
import type { EntityManager } from 'typeorm';
import {
  claimCompletion,
  completeCompletion,
  completionTimeline,
  findCompletion,
  rejectCompletion,
  rejectReasonsSetting,
  resubmissionOf,
  type CompletionEvent,
  type CompletionRequest,
} from '../../../bot/src/features/completion';
import { readSetting } from '../../../bot/src/features/settings';
import { staffByIds, type Staff } from '../../../bot/src/features/staff';
import { AppError } from '../../../bot/src/errors';
import { can } from '../access';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html, type SafeHtml } from '../html';
import { formatTime, layout } from '../layout';
import { queryNotice } from '../notice';
import {
  formVersion,
  loadVisibleRecord,
  readActionFields,
  recordActionRoutes,
  sendStoredPhoto,
  versionFields,
} from '../record-actions';
import { waitedMinutes } from './completions';
import { staffNamer } from './staff-label';

function loadVisible(ctx: AdminContext, deps: AdminDeps): Promise<CompletionRequest> {
  return loadVisibleRecord(
    ctx,
    'completion',
    (id) => findCompletion(deps.dataSource().manager, id),
    (user) => can(user, 'completions.read'),
  );
}

function eventLine(ctx: AdminContext, event: CompletionEvent, deps: AdminDeps): SafeHtml {
  const { say } = ctx.state;
  const data = (event.data ?? {}) as { reason?: string; level?: number; resubmissionOf?: string };
  const detail =
    event.type === 'rejected'
      ? (data.reason ?? '')
      : event.type === 'realerted'
        ? say('web.completion.realertLevel', { level: data.level ?? 1 })
        : data.resubmissionOf
          ? say('web.completion.resubmissionOf', { refNo: data.resubmissionOf })
          : '';
  return html`<li class="event ${event.type}" data-type="${event.type}">
    <time>${formatTime(ctx.state, event.at, deps.timeZone)}</time>
    <strong>${say(`web.completion.event.${event.type}`)}</strong>
    <span class="who">${event.actor}</span>
    ${detail ? html`<span>${detail}</span>` : ''} ${event.note ? html`<p class="note">${event.note}</p>` : ''}
  </li>`;
}

async function actionForms(
  ctx: AdminContext,
  manager: EntityManager,
  request: CompletionRequest,
  user: Staff,
): Promise<SafeHtml> {
  const { say } = ctx.state;
  if (!can(user, 'completions.act')) return html``;
  if (request.status === 'pending') {
    return html`<form
      method="post"
      action="/admin/completions/${request.id}/claim"
      class="card"
      id="claim-form"
    >
      ${versionFields(ctx.state, request)}
      <button type="submit">${say('web.completion.claim')}</button>
    </form>`;
  }
  const isMine = request.assigneeStaffId === user.id || user.role === 'admin';
  if (request.status !== 'claimed' || !isMine) return html``;
  const version = versionFields(ctx.state, request);
  const reasons = (await readSetting(manager, rejectReasonsSetting)).value;
  return html`<form
      method="post"
      action="/admin/completions/${request.id}/complete"
      class="card"
      id="complete-form"
    >
      <h2>${say('web.completion.complete')}</h2>
      ${version}
      <label>${say('web.completion.resultNote')}<textarea name="note" maxlength="1000"></textarea></label>
      <button type="submit">${say('web.completion.complete')}</button>
    </form>
    <form method="post" action="/admin/completions/${request.id}/reject" class="card" id="reject-form">
      <h2>${say('web.completion.reject')}</h2>
      ${version}
      <label
        >${say('web.completion.rejectReason')}<select name="reason" required>
          <option value="">—</option>
          ${reasons.map((reason) => html`<option value="${reason}">${reason}</option>`)}
        </select></label
      >
      <label>${say('web.completion.rejectNote')}<textarea name="note" maxlength="1000"></textarea></label>
      <button type="submit" class="secondary">${say('web.completion.reject')}</button>
    </form>`;
}

async function detailPage(
  ctx: AdminContext,
  deps: AdminDeps,
  request: CompletionRequest,
  notice?: { kind: 'ok' | 'error'; text: string },
): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const manager = deps.dataSource().manager;
  const [timeline, previous, next] = await Promise.all([
    completionTimeline(manager, request.id),
    request.resubmissionOfId === null ? null : findCompletion(manager, request.resubmissionOfId),
    request.status === 'rejected' ? resubmissionOf(manager, request.id) : null,
  ]);
  const people = await staffByIds(manager, [
    request.reporterId,
    request.assigneeStaffId,
    request.decidedByStaffId,
  ]);
  const person = staffNamer(say, people, '—');
  const reporter = people.get(request.reporterId);
  const shown = notice ?? queryNotice(ctx);
  const now = new Date();
  return layout(ctx.state, {
    title: `${say('web.completion.title')} ${request.refNo}`,
    active: 'completions',
    ...(shown ? { notice: shown } : {}),
    body: html`<section
        class="card"
        id="completion"
        data-status="${request.status}"
        data-version="${request.version}"
      >
        <dl class="facts">
          <dt>${say('web.completion.status')}</dt>
          <dd id="completion-status">
            ${say(`completion.status.${request.status}`)}
            ${request.isPowerOutOfRange ? html`<span class="badge critical">${say('web.completion.powerFlag')}</span>` : ''}
          </dd>
          <dt>${say('web.completion.orderNo')}</dt>
          <dd id="completion-order">${request.orderNo}</dd>
          <dt>${say('web.completion.businessType')}</dt>
          <dd id="completion-type">${request.businessType}</dd>
          <dt>${say('web.completion.engineer')}</dt>
          <dd id="completion-engineer">
            ${person(request.reporterId)}
            ${reporter?.phone ? html` <a href="tel:${reporter.phone}">${reporter.phone}</a>` : ''}
          </dd>
          <dt>${say('web.completion.submitted')}</dt>
          <dd>${formatTime(ctx.state, request.createdAt, deps.timeZone)}</dd>
          <dt>${say('web.completion.waited')}</dt>
          <dd id="completion-waited">
            ${say('web.completion.minutes', { minutes: waitedMinutes(request, now) })}
          </dd>
          <dt>${say('web.completion.assignee')}</dt>
          <dd id="completion-assignee">
            ${person(request.assigneeStaffId)}
            ${request.claimedAt ? html` <small>${formatTime(ctx.state, request.claimedAt, deps.timeZone)}</small>` : ''}
          </dd>
          ${
            request.decidedAt
              ? html`<dt>${say('web.completion.result')}</dt>
                  <dd id="completion-result">
                    ${say(`completion.status.${request.status}`)} · ${person(request.decidedByStaffId)}
                    ${formatTime(ctx.state, request.decidedAt, deps.timeZone)}
                    ${request.rejectReason ? html`<br /><strong>${request.rejectReason}</strong>` : ''}
                    ${request.resultNote ? html`<br />${request.resultNote}` : ''}
                  </dd>`
              : ''
          }
          ${
            previous
              ? html`<dt>${say('web.completion.resubmission')}</dt>
                  <dd id="completion-previous">
                    <a href="/admin/completions/${previous.id}"
                      >${say('web.completion.resubmissionOf', { refNo: previous.refNo })}</a
                    >
                    ${previous.rejectReason ? html` <small>${previous.rejectReason}</small>` : ''}
                  </dd>`
              : ''
          }
          ${
            next
              ? html`<dt>${say('web.completion.resubmittedAs')}</dt>
                  <dd id="completion-next"><a href="/admin/completions/${next.id}">${next.refNo}</a></dd>`
              : ''
          }
        </dl>
        <h2>${say('web.completion.photos')}</h2>
        <div class="photos" id="completion-photos">
          ${request.photos.map(
            (photo, index) =>
              html`<figure>
                <a href="/admin/completions/${request.id}/photos/${index}" target="_blank" rel="noopener"
                  ><img
                    src="/admin/completions/${request.id}/photos/${index}"
                    alt="${photo.item ?? say('web.completion.extraPhoto')}"
                    loading="lazy"
                /></a>
                <figcaption>${photo.item ?? say('web.completion.extraPhoto')}</figcaption>
              </figure>`,
          )}
        </div>
        <h2>${say('web.completion.measurements')}</h2>
        <dl class="facts">
          <dt>${say('web.completion.serials')}</dt>
          <dd id="completion-serials">${request.serials.length > 0 ? request.serials.join(' ') : '—'}</dd>
          <dt>${say('web.completion.opticalPower')}</dt>
          <dd id="completion-power">
            ${request.opticalPowerDbm === null ? '—' : `${request.opticalPowerDbm} dBm`}
            ${request.isPowerOutOfRange ? html` <span class="badge critical">${say('web.completion.powerFlag')}</span>` : ''}
          </dd>
          <dt>${say('web.completion.remarks')}</dt>
          <dd id="completion-remarks">${request.remarks ?? '—'}</dd>
        </dl>
      </section>
      ${await actionForms(ctx, manager, request, user)}
      <section class="card">
        <h2>${say('web.completion.timeline')}</h2>
        <ol class="timeline" id="timeline">
          ${timeline.map((event) => eventLine(ctx, event, deps))}
        </ol>
      </section>`,
  });
}

type CompletionAction = 'claim' | 'complete' | 'reject';

export function completionDetailRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'completions.read' | 'completions.act') => AdminMiddleware,
): void {
  router.get('/admin/completions/:id', guard('completions.read'), async (ctx) => {
    const request = await loadVisible(ctx, deps);
    ctx.type = 'html';
    ctx.body = await detailPage(ctx, deps, request);
  });

  router.get('/admin/completions/:id/photos/:index', guard('completions.read'), async (ctx) => {
    const request = await loadVisible(ctx, deps);
    const photo = request.photos[Number(ctx.params.index)];
    if (!photo || !/^\d{1,2}$/.test(ctx.params.index ?? '')) throw new AppError('NOT_FOUND', 'photo');
    await sendStoredPhoto(ctx, deps.storage, photo.key);
  });

  const act = recordActionRoutes<CompletionRequest, Record<string, string>, CompletionAction>(router, {
    base: '/admin/completions',
    guard: guard('completions.act'),
    readInput: readActionFields,
    load: (ctx) => loadVisible(ctx, deps),
    reload: (id) => findCompletion(deps.dataSource().manager, id),
    render: (ctx, request, notice) => detailPage(ctx, deps, request, notice),
    dataSource: deps.dataSource,
    recordType: 'completion_request',
    auditPrefix: 'completion',
    audited: (value) => (value.rejectReason ? { reason: value.rejectReason } : {}),
    conflictKey: 'web.completion.conflict',
  });

  act('claim', ({ manager, record, user }) =>
    claimCompletion({ manager, requestId: record.id, actor: user, now: new Date() }),
  );
  act('complete', ({ manager, record, input, user }) =>
    completeCompletion({
      manager,
      requestId: record.id,
      version: formVersion(input),
      actor: user,
      note: input.note ?? '',
      now: new Date(),
    }),
  );
  act('reject', ({ manager, record, input, user }) =>
    rejectCompletion({
      manager,
      requestId: record.id,
      version: formVersion(input),
      actor: user,
      reason: input.reason ?? '',
      note: input.note ?? '',
      now: new Date(),
    }),
  );
}
