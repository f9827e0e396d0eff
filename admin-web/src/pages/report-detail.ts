/**
 * One report: what was reported (photos full size on click, location with a map link), who reported it
 * and how to reach them, its timeline, and the actions the reader may take. Every action form carries
 * the version it was rendered from; a change made meanwhile by someone else, or a transition the state
 * does not allow, re-renders the page with the current state and says why — nothing is half-applied.
 */
import type Router from '@koa/router';
import {
  addReportNote,
  assignReport,
  closeReport,
  findReport,
  reopenReport,
  reportTimeline,
  resolutionsFor,
  type Assignee,
  type Report,
  type ReportEvent,
} from '../../../bot/src/features/report';
import { listDepartments, listHandlers, staffByIds, type Staff } from '../../../bot/src/features/staff';
import { AppError } from '../../../bot/src/errors';
import type { EntityManager } from 'typeorm';
import { canActOn, canSeeReport } from '../access';
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
  type RecordActionProps,
} from '../record-actions';
import { staffLabel } from './staff-label';

/**
 * A map link for WeCom coordinates. WeCom (Tencent maps) reports GCJ-02 coordinates, the datum Amap
 * uses too, so the marker lands where the engineer stood without conversion.
 */
export function mapLink(latitude: number, longitude: number, label: string): string {
  const query = new URLSearchParams({ position: `${longitude},${latitude}`, name: label || 'report' });
  return `https://uri.amap.com/marker?${query.toString()}`;
}

function loadVisible(ctx: AdminContext, deps: AdminDeps): Promise<Report> {
  return loadVisibleRecord(ctx, 'report', (id) => findReport(deps.dataSource().manager, id), canSeeReport);
}

function eventLine(ctx: AdminContext, event: ReportEvent, deps: AdminDeps): SafeHtml {
  const { say } = ctx.state;
  const data = (event.data ?? {}) as {
    name?: string;
    resolution?: string;
    value?: number | null;
    level?: number;
  };
  const detail =
    event.type === 'assigned'
      ? (data.name ?? '')
      : event.type === 'closed' && data.resolution
        ? say(`report.resolution.${data.resolution}` as 'report.resolution.fixed') +
          (data.value ? ` · ${data.value}` : '')
        : event.type === 'reminded'
          ? say('web.report.reminderLevel', { level: data.level ?? 1 })
          : '';
  return html`<li class="event ${event.type}">
    <time>${formatTime(ctx.state, event.at, deps.timeZone)}</time>
    <strong>${say(`web.report.event.${event.type}`)}</strong>
    <span class="who">${event.actor}</span>
    ${detail ? html`<span>${detail}</span>` : ''} ${event.note ? html`<p class="note">${event.note}</p>` : ''}
    ${event.isForReporter ? html`<small>${say('web.report.forReporter')}</small>` : ''}
  </li>`;
}

async function actionForms(ctx: AdminContext, manager: EntityManager, report: Report): Promise<SafeHtml> {
  const { say } = ctx.state;
  const version = versionFields(ctx.state, report);
  if (report.status === 'closed') {
    return html`<form method="post" action="/admin/reports/${report.id}/reopen" class="card" id="reopen-form">
      <h2>${say('web.report.reopen')}</h2>
      ${version}
      <label>${say('web.report.reason')}<textarea name="reason" required maxlength="2000"></textarea></label>
      <button type="submit">${say('web.report.reopen')}</button>
    </form>`;
  }
  const [handlers, departments] = await Promise.all([listHandlers(manager), listDepartments(manager)]);
  const current =
    report.assigneeStaffId !== null
      ? `staff:${report.assigneeStaffId}`
      : report.assigneeDepartmentId !== null
        ? `department:${report.assigneeDepartmentId}`
        : '';
  const option = (value: string, label: string) =>
    html`<option value="${value}" ${value === current ? html`selected` : ''}>${label}</option>`;
  return html`<form method="post" action="/admin/reports/${report.id}/assign" class="card" id="assign-form">
      <h2>${say('web.report.assign')}</h2>
      ${version}
      <label
        >${say('web.report.assignTo')}<select name="assignee" required>
          <option value="">—</option>
          <optgroup label="${say('web.report.assignDepartment')}">
            ${departments
              .filter((department) => department.kind === 'tier3')
              .map((department) => option(`department:${department.id}`, department.name))}
          </optgroup>
          <optgroup label="${say('web.report.assignPerson')}">
            ${handlers.map((person) => option(`staff:${person.id}`, staffLabel(say, person)))}
          </optgroup>
        </select></label
      >
      <button type="submit">${say('web.report.assign')}</button>
    </form>
    <form method="post" action="/admin/reports/${report.id}/note" class="card" id="note-form">
      <h2>${say('web.report.addNote')}</h2>
      ${version}
      <label>${say('web.report.note')}<textarea name="text" required maxlength="2000"></textarea></label>
      <label class="check"
        ><input type="checkbox" name="forReporter" value="1" /> ${say('web.report.noteForReporter')}</label
      >
      <button type="submit">${say('web.report.addNote')}</button>
    </form>
    <form method="post" action="/admin/reports/${report.id}/close" class="card" id="close-form">
      <h2>${say('web.report.close')}</h2>
      ${version}
      <label
        >${say('web.report.resolution')}<select name="resolution" required>
          ${resolutionsFor(report.kind).map(
            (resolution) =>
              html`<option value="${resolution}">${say(`report.resolution.${resolution}`)}</option>`,
          )}
        </select></label
      >
      ${
        report.kind === 'lead'
          ? html`<label
              >${say('web.report.value')}<input type="number" name="value" min="0" max="100000000" step="1"
            /></label>`
          : ''
      }
      <label>${say('web.report.note')}<textarea name="note" maxlength="2000"></textarea></label>
      <button type="submit">${say('web.report.close')}</button>
    </form>`;
}

async function detailPage(
  ctx: AdminContext,
  deps: AdminDeps,
  report: Report,
  notice?: { kind: 'ok' | 'error'; text: string },
): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const manager = deps.dataSource().manager;
  const [timeline, departments] = await Promise.all([
    reportTimeline(manager, report.id),
    listDepartments(manager),
  ]);
  const people = await staffByIds(manager, [report.reporterId, report.assigneeStaffId]);
  const reporter = people.get(report.reporterId);
  const assignee: Staff | undefined =
    report.assigneeStaffId === null ? undefined : people.get(report.assigneeStaffId);
  const departmentName = (id: number | null) =>
    id === null ? '' : (departments.find((department) => department.id === id)?.name ?? '');
  const shown = notice ?? queryNotice(ctx);
  const location = report.locationText ?? '';

  return layout(ctx.state, {
    title: `${say(report.kind === 'hazard' ? 'report.kind.hazard' : 'report.kind.lead')} ${report.refNo}`,
    active: report.kind === 'hazard' ? 'hazards' : 'leads',
    ...(shown ? { notice: shown } : {}),
    body: html`<section
        class="card report"
        id="report"
        data-status="${report.status}"
        data-version="${report.version}"
      >
        <dl class="facts">
          <dt>${say('web.report.status')}</dt>
          <dd id="report-status">
            ${say(`report.status.${report.status}`)}
            ${report.isCritical ? html`<span class="badge critical">${say('web.report.critical')}</span>` : ''}
          </dd>
          <dt>${say('web.report.category')}</dt>
          <dd>${report.category}</dd>
          <dt>${say('web.report.created')}</dt>
          <dd>${formatTime(ctx.state, report.createdAt, deps.timeZone)}</dd>
          <dt>${say('web.report.area')}</dt>
          <dd>${departmentName(report.areaId)}</dd>
          <dt>${say('web.report.assignee')}</dt>
          <dd id="report-assignee">
            ${staffLabel(say, assignee)}
            ${report.assigneeDepartmentId !== null ? ` ${departmentName(report.assigneeDepartmentId)}` : ''}
          </dd>
          ${
            report.resolution
              ? html`<dt>${say('web.report.resolution')}</dt>
                  <dd id="report-resolution">
                    ${say(`report.resolution.${report.resolution}`)}
                    ${report.resolutionValue !== null ? ` · ${report.resolutionValue}` : ''}
                    ${report.resolutionNote ? html`<br />${report.resolutionNote}` : ''}
                  </dd>`
              : ''
          }
        </dl>
        <h2>${say('web.report.description')}</h2>
        <p class="description">${report.description}</p>
        <h2>${say('web.report.photos')}</h2>
        ${
          report.photos.length === 0
            ? html`<p>${say('web.report.noPhotos')}</p>`
            : html`<div class="photos">
                ${report.photos.map(
                  (_key, index) =>
                    html`<a href="/admin/reports/${report.id}/photos/${index}" target="_blank" rel="noopener"
                      ><img
                        src="/admin/reports/${report.id}/photos/${index}"
                        alt="${say('web.report.photos')} ${index + 1}"
                        loading="lazy"
                    /></a>`,
                )}
              </div>`
        }
        <h2>${say('web.report.location')}</h2>
        <p id="report-location">
          ${location || say('report.flow.noLocation')}
          ${
            report.latitude !== null && report.longitude !== null
              ? html` <a
                  href="${mapLink(report.latitude, report.longitude, location)}"
                  target="_blank"
                  rel="noopener noreferrer"
                  >${say('web.report.map')}</a
                >`
              : ''
          }
        </p>
        <h2>${say('web.report.contact')}</h2>
        <p id="report-reporter">
          ${staffLabel(say, reporter)}
          ${reporter?.phone ? html` <a href="tel:${reporter.phone}">${reporter.phone}</a>` : ''}
        </p>
      </section>
      ${canActOn(user, report) ? await actionForms(ctx, manager, report) : ''}
      <section class="card">
        <h2>${say('web.report.timeline')}</h2>
        <ol class="timeline" id="timeline">
          ${timeline.map((event) => eventLine(ctx, event, deps))}
        </ol>
      </section>`,
  });
}

function parseAssignee(value: string | undefined): Assignee {
  const match = /^(staff|department):(\d{1,9})$/.exec(value ?? '');
  if (!match) throw new AppError('VALIDATION_FAILED', 'assignee', { params: { detail: 'assignee' } });
  return match[1] === 'staff' ? { staffId: Number(match[2]) } : { departmentId: Number(match[2]) };
}

type ReportAction = 'assign' | 'note' | 'close' | 'reopen';

export function reportDetailRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'reports.read' | 'reports.act') => AdminMiddleware,
): void {
  router.get('/admin/reports/:id', guard('reports.read'), async (ctx) => {
    const report = await loadVisible(ctx, deps);
    ctx.type = 'html';
    ctx.body = await detailPage(ctx, deps, report);
  });

  router.get('/admin/reports/:id/photos/:index', guard('reports.read'), async (ctx) => {
    const report = await loadVisible(ctx, deps);
    const key = report.photos[Number(ctx.params.index)];
    if (!key || !/^\d{1,2}$/.test(ctx.params.index ?? '')) throw new AppError('NOT_FOUND', 'photo');
    await sendStoredPhoto(ctx, deps.storage, key);
  });

  const act = recordActionRoutes<Report, Record<string, string>, ReportAction>(router, {
    base: '/admin/reports',
    guard: guard('reports.act'),
    readInput: readActionFields,
    load: (ctx) => loadVisible(ctx, deps),
    reload: (id) => findReport(deps.dataSource().manager, id),
    render: (ctx, report, notice) => detailPage(ctx, deps, report, notice),
    dataSource: deps.dataSource,
    recordType: 'report',
    auditPrefix: 'report',
    conflictKey: 'web.report.conflict',
  });
  /** What every report command is told: which report, in which version, by whom, when. */
  const acting = ({ manager, record, input, user }: RecordActionProps<Report, Record<string, string>>) => ({
    manager,
    reportId: record.id,
    version: formVersion(input),
    actor: user,
    now: new Date(),
  });

  act('assign', (props) => assignReport({ ...acting(props), assignee: parseAssignee(props.input.assignee) }));
  act('note', (props) =>
    addReportNote({
      ...acting(props),
      text: props.input.text ?? '',
      isForReporter: props.input.forReporter === '1',
    }),
  );
  act('close', (props) => {
    const value = (props.input.value ?? '').trim();
    return closeReport({
      ...acting(props),
      resolution: props.input.resolution ?? '',
      note: props.input.note ?? '',
      value: value === '' ? null : Number(value),
    });
  });
  act('reopen', (props) => reopenReport({ ...acting(props), reason: props.input.reason ?? '' }));
}
