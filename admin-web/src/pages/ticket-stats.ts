/**
 * The managers' view of questions and support: volumes by kind, department and week; first-response and
 * resolution times (median, p90); SLA compliance; the handbook's deflection rate; per-person workload;
 * and the period's tickets as CSV, one row each.
 */
import type Router from '@koa/router';
import { listDepartments, staffByIds } from '../../../bot/src/features/staff';
import { ticketsCsv, ticketStats } from '../../../bot/src/features/ticket';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html } from '../html';
import { layout } from '../layout';
import { dateInput } from './query';
import { staffLabel } from './staff-label';
import { countTable, periodForm, periodFromQuery, waitTimesTable } from './stats-common';

const DEFAULT_DAYS = 28;

async function load(ctx: AdminContext, deps: AdminDeps) {
  const manager = deps.dataSource().manager;
  const now = new Date();
  const period = periodFromQuery(ctx, deps.timeZone, DEFAULT_DAYS, now);
  const [result, departments] = await Promise.all([
    ticketStats(manager, { from: period.from, to: period.to, now, timeZone: deps.timeZone }),
    listDepartments(manager),
  ]);
  const departmentName = (id: number | null) =>
    id === null ? '' : (departments.find((department) => department.id === id)?.name ?? String(id));
  const people = await staffByIds(manager, [
    ...result.tickets.map((ticket) => ticket.reporterId),
    ...result.stats.workload.map(([id]) => id),
  ]);
  return { period, ...result, departmentName, people };
}

const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 1000) / 10}%`);

export function ticketStatsRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'tickets.stats') => AdminMiddleware,
): void {
  router.get('/admin/ticket-stats', guard('tickets.stats'), async (ctx) => {
    const { say } = ctx.state;
    const { period, stats, departmentName, people } = await load(ctx, deps);
    ctx.type = 'html';
    ctx.body = layout(ctx.state, {
      title: say('web.nav.ticketStats'),
      active: 'ticketStats',
      body: html`${periodForm(ctx, { timeZone: deps.timeZone, period, exportPath: '/admin/ticket-stats.csv' })}
        <section class="card">
          <dl class="facts" id="totals">
            <dt>${say('web.report.total')}</dt>
            <dd data-stat="total">${stats.total}</dd>
            <dt>${say('web.ticket.deflection')}</dt>
            <dd data-stat="deflection">
              ${say('web.withNote', { text: percent(stats.deflectionRate), note: stats.deflected })}
            </dd>
            <dt>${say('web.ticket.firstResponseCompliance')}</dt>
            <dd data-stat="first-compliance">${percent(stats.firstResponseCompliance)}</dd>
            <dt>${say('web.ticket.resolutionCompliance')}</dt>
            <dd data-stat="resolution-compliance">${percent(stats.resolutionCompliance)}</dd>
          </dl>
          ${waitTimesTable(say, (minutes) => say('web.ticket.minutes', { minutes }), [
            {
              id: 'first-response',
              label: say('ticket.sla.firstResponse'),
              times: stats.firstResponseMinutes,
            },
            { id: 'resolution', label: say('ticket.sla.resolution'), times: stats.resolutionMinutes },
          ])}
        </section>
        ${countTable(
          'by-kind',
          say('web.ticket.byKind'),
          stats.byKind.map(([kind, count]) => [say(`ticket.kind.${kind as 'question'}`), count] as const),
        )}
        ${countTable(
          'by-department',
          say('web.ticket.byDepartment'),
          stats.byDepartment.map(
            ([id, count]) => [id === null ? say('web.ticket.tier2Only') : departmentName(id), count] as const,
          ),
        )}
        ${countTable('by-week', say('web.report.byWeek'), stats.byWeek)}
        ${countTable(
          'workload',
          say('web.ticket.workload'),
          stats.workload.map(([id, count]) => [staffLabel(say, people.get(id), String(id)), count] as const),
        )}`,
    });
  });

  router.get('/admin/ticket-stats.csv', guard('tickets.stats'), async (ctx) => {
    const { period, tickets, answeredBy, departmentName, people } = await load(ctx, deps);
    const everyone = await staffByIds(deps.dataSource().manager, [...answeredBy.values()].flat());
    for (const [id, person] of people) everyone.set(id, person);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set(
      'Content-Disposition',
      `attachment; filename="tickets-${dateInput(period.from, deps.timeZone)}-${dateInput(period.toDay, deps.timeZone)}.csv"`,
    );
    ctx.body = ticketsCsv(tickets, {
      locale: ctx.state.locale,
      timeZone: deps.timeZone,
      people: everyone,
      departmentName,
      answeredBy,
    });
  });
}
