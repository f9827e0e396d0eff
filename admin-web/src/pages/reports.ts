/**
 * The hazard and lead queues: what waits for the desk, oldest first (or newest), filtered by status,
 * category, area, reporter and date. A report untouched longer than the desk reminder limit is overdue
 * and stands out.
 */
import type Router from '@koa/router';
import {
  hazardCategoriesSetting,
  leadCategoriesSetting,
  listReports,
  reportReminderSetting,
  type Report,
  type ReportKind,
  type ReportStatus,
} from '../../../bot/src/features/report';
import { readSetting } from '../../../bot/src/features/settings';
import { findStaffByNo, listDepartments, staffByIds } from '../../../bot/src/features/staff';
import { reportScope } from '../access';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html } from '../html';
import { formatTime, layout } from '../layout';
import { queryNotice } from '../notice';
import { dateInput, parseDay, queryText } from './query';
import { staffLabel } from './staff-label';

const STATUSES: readonly ReportStatus[] = ['open', 'assigned', 'closed'];

/** Minutes since the report was last touched; overdue past the desk reminder limit. */
export function waitingMinutes(report: Report, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - report.touchedAt.getTime()) / 60_000));
}

async function queuePage(ctx: AdminContext, deps: AdminDeps, kind: ReportKind): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const manager = deps.dataSource().manager;
  const now = new Date();
  const status = STATUSES.find((value) => value === queryText(ctx, 'status'));
  const category = queryText(ctx, 'category');
  const areaId = Number(queryText(ctx, 'area'));
  const reporterNo = queryText(ctx, 'reporter');
  const from = parseDay(queryText(ctx, 'from'), deps.timeZone);
  const toDay = parseDay(queryText(ctx, 'to'), deps.timeZone);
  const isNewestFirst = queryText(ctx, 'sort') === 'newest';
  const reporter = reporterNo ? await findStaffByNo(manager, reporterNo) : null;
  const scope = reportScope(user);

  const [categories, departments, reminders] = await Promise.all([
    readSetting(manager, kind === 'hazard' ? hazardCategoriesSetting : leadCategoriesSetting),
    listDepartments(manager),
    readSetting(manager, reportReminderSetting),
  ]);
  const reports =
    reporterNo && !reporter
      ? []
      : await listReports(manager, {
          kind,
          ...(status ? { status } : {}),
          ...(category ? { category } : {}),
          ...(Number.isSafeInteger(areaId) && areaId > 0 ? { areaId } : {}),
          ...(reporter ? { reporterId: reporter.id } : {}),
          ...(from ? { from } : {}),
          ...(toDay ? { to: new Date(toDay.getTime() + 86_400_000) } : {}),
          ...(scope ? { scope } : {}),
        });
  if (isNewestFirst) reports.reverse();
  const people = await staffByIds(
    manager,
    reports.map((report) => report.reporterId),
  );
  const departmentName = new Map(departments.map((department) => [department.id, department.name]));
  const overdueAfter = reminders.value.deskAfterMinutes;
  const notice = queryNotice(ctx);
  const selected = (value: string, current: string) => (value === current ? html`selected` : '');

  return layout(ctx.state, {
    title: say(kind === 'hazard' ? 'web.nav.hazards' : 'web.nav.leads'),
    active: kind === 'hazard' ? 'hazards' : 'leads',
    ...(notice ? { notice } : {}),
    body: html`<form method="get" class="filters report-filters">
        <label
          >${say('web.report.status')}<select name="status">
            <option value="">${say('web.report.notClosed')}</option>
            ${STATUSES.map((value) => html`<option value="${value}" ${selected(value, status ?? '')}>${say(`report.status.${value}`)}</option>`)}
          </select></label
        >
        <label
          >${say('web.report.category')}<select name="category">
            <option value="">${say('web.roster.all')}</option>
            ${categories.value.map((name) => html`<option ${selected(name, category)}>${name}</option>`)}
          </select></label
        >
        <label
          >${say('web.report.area')}<select name="area">
            <option value="">${say('web.roster.all')}</option>
            ${departments.map((department) => html`<option value="${department.id}" ${selected(String(department.id), String(areaId))}>${department.name}</option>`)}
          </select></label
        >
        <label>${say('web.report.reporter')}<input name="reporter" value="${reporterNo}" /></label>
        <label
          >${say('web.report.from')}<input type="date" name="from" value="${dateInput(from, deps.timeZone)}"
        /></label>
        <label
          >${say('web.report.to')}<input type="date" name="to" value="${dateInput(toDay, deps.timeZone)}"
        /></label>
        <label
          >${say('web.report.sort')}<select name="sort">
            <option value="oldest">${say('web.report.sortOldest')}</option>
            <option value="newest" ${isNewestFirst ? html`selected` : ''}>
              ${say('web.report.sortNewest')}
            </option>
          </select></label
        >
        <button type="submit">${say('web.roster.filter')}</button>
      </form>
      ${
        reports.length === 0
          ? html`<p id="report-none">${say('web.report.none')}</p>`
          : html`<div class="table-wrap">
              <table id="reports">
                <thead>
                  <tr>
                    <th>${say('web.report.refNo')}</th>
                    <th>${say('web.report.category')}</th>
                    <th>${say('web.report.description')}</th>
                    <th>${say('web.report.status')}</th>
                    <th>${say('web.report.reporter')}</th>
                    <th>${say('web.report.area')}</th>
                    <th>${say('web.report.created')}</th>
                    <th>${say('web.report.age')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${reports.map((report) => {
                    const minutes = waitingMinutes(report, now);
                    const isOverdue = report.status !== 'closed' && minutes >= overdueAfter;
                    return html`<tr
                      class="${isOverdue ? 'overdue' : ''} ${report.isCritical ? 'critical' : ''}"
                      data-ref="${report.refNo}"
                    >
                      <td data-label="${say('web.report.refNo')}">
                        <a href="/admin/reports/${report.id}">${report.refNo}</a>
                        ${report.isCritical ? html`<span class="badge critical">${say('web.report.critical')}</span>` : ''}
                      </td>
                      <td data-label="${say('web.report.category')}">${report.category}</td>
                      <td data-label="${say('web.report.description')}">
                        ${report.description.slice(0, 80)}
                      </td>
                      <td data-label="${say('web.report.status')}">
                        ${say(`report.status.${report.status}`)}
                      </td>
                      <td data-label="${say('web.report.reporter')}">
                        ${staffLabel(say, people.get(report.reporterId))}
                      </td>
                      <td data-label="${say('web.report.area')}">
                        ${report.areaId === null ? '' : (departmentName.get(report.areaId) ?? '')}
                      </td>
                      <td data-label="${say('web.report.created')}">
                        ${formatTime(ctx.state, report.createdAt, deps.timeZone)}
                      </td>
                      <td data-label="${say('web.report.age')}">
                        ${report.status === 'closed' ? '' : say('web.report.minutes', { minutes })}
                        ${isOverdue ? html`<span class="badge overdue">${say('web.report.overdue')}</span>` : ''}
                      </td>
                    </tr>`;
                  })}
                </tbody>
              </table>
            </div>`
      }`,
  });
}

export function reportQueueRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'reports.read') => AdminMiddleware,
): void {
  router.get('/admin/hazards', guard('reports.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await queuePage(ctx, deps, 'hazard');
  });
  router.get('/admin/leads', guard('reports.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await queuePage(ctx, deps, 'lead');
  });
}
