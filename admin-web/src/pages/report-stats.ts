/**
 * The managers' view of hazards and leads over a period: counts by category, area and week, the median
 * time to close, what is open and overdue, and the period's reports as CSV.
 */
import type Router from '@koa/router';
import {
  REPORT_KINDS,
  reportReminderSetting,
  reportsCsv,
  reportStats,
  type ReportKind,
} from '../../../bot/src/features/report';
import { readSetting } from '../../../bot/src/features/settings';
import { listDepartments, staffByIds } from '../../../bot/src/features/staff';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html } from '../html';
import { layout } from '../layout';
import { dateInput, queryText } from './query';
import { countTable, periodForm, periodFromQuery } from './stats-common';

const DEFAULT_DAYS = 28;

/** The kind and period asked for (the last four weeks by default). */
function periodOf(ctx: AdminContext, deps: AdminDeps, now: Date) {
  const kind: ReportKind = REPORT_KINDS.find((value) => value === queryText(ctx, 'kind')) ?? 'hazard';
  return { kind, ...periodFromQuery(ctx, deps.timeZone, DEFAULT_DAYS, now) };
}

async function load(ctx: AdminContext, deps: AdminDeps) {
  const manager = deps.dataSource().manager;
  const now = new Date();
  const period = periodOf(ctx, deps, now);
  const reminders = await readSetting(manager, reportReminderSetting);
  const [{ stats, reports }, departments] = await Promise.all([
    reportStats(manager, {
      kind: period.kind,
      from: period.from,
      to: period.to,
      now,
      overdueAfterMinutes: reminders.value.deskAfterMinutes,
      timeZone: deps.timeZone,
    }),
    listDepartments(manager),
  ]);
  const areaName = (id: number | null) =>
    id === null ? '—' : (departments.find((department) => department.id === id)?.name ?? String(id));
  return { period, stats, reports, areaName };
}

export function reportStatsRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'reports.stats') => AdminMiddleware,
): void {
  router.get('/admin/report-stats', guard('reports.stats'), async (ctx) => {
    const { say } = ctx.state;
    const { period, stats, areaName } = await load(ctx, deps);
    ctx.type = 'html';
    ctx.body = layout(ctx.state, {
      title: say('web.report.stats'),
      active: 'reportStats',
      body: html`${periodForm(ctx, {
          timeZone: deps.timeZone,
          period,
          exportPath: '/admin/report-stats.csv',
          extraQuery: { kind: period.kind },
          extraFields: html`<label
            >${say('web.report.kind')}<select name="kind">
              ${REPORT_KINDS.map((kind) => html`<option value="${kind}" ${kind === period.kind ? html`selected` : ''}>${say(`report.kind.${kind}`)}</option>`)}
            </select></label
          >`,
        })}
        <section class="card">
          <dl class="facts" id="totals">
            <dt>${say('web.report.total')}</dt>
            <dd data-stat="total">${stats.total}</dd>
            <dt>${say('web.report.openCount')}</dt>
            <dd data-stat="open">${stats.open}</dd>
            <dt>${say('web.report.overdueCount')}</dt>
            <dd data-stat="overdue">${stats.overdue}</dd>
            <dt>${say('web.report.medianClose')}</dt>
            <dd data-stat="median">
              ${stats.medianHoursToClose === null ? '—' : say('web.report.hours', { hours: stats.medianHoursToClose })}
            </dd>
          </dl>
        </section>
        ${countTable('by-category', say('web.report.byCategory'), stats.byCategory)}
        ${countTable(
          'by-area',
          say('web.report.byArea'),
          stats.byArea.map(([area, count]) => [areaName(area), count] as const),
        )}
        ${countTable('by-week', say('web.report.byWeek'), stats.byWeek)}`,
    });
  });

  router.get('/admin/report-stats.csv', guard('reports.stats'), async (ctx) => {
    const { period, reports, areaName } = await load(ctx, deps);
    const people = await staffByIds(
      deps.dataSource().manager,
      reports.map((report) => report.reporterId),
    );
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set(
      'Content-Disposition',
      `attachment; filename="${period.kind}-${dateInput(period.from, deps.timeZone)}-${dateInput(period.toDay, deps.timeZone)}.csv"`,
    );
    ctx.body = reportsCsv(reports, { locale: ctx.state.locale, timeZone: deps.timeZone, people, areaName });
  });
}
