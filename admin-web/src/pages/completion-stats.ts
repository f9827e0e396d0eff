/**
 * Offline completion figures for managers and the desk: requests per day and by business type, waiting
 * times submit → claim → decision (median, p90), what each person decided, rejection reasons, and the
 * period's requests as CSV, one row each.
 */
import type Router from '@koa/router';
import { completionsCsv, completionStats, findCompletion } from '../../../bot/src/features/completion';
import { staffByIds } from '../../../bot/src/features/staff';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html } from '../html';
import { layout } from '../layout';
import { dateInput } from './query';
import { staffLabel } from './staff-label';
import { countTable, periodForm, periodFromQuery, waitTimesTable } from './stats-common';

const DEFAULT_DAYS = 28;

async function load(ctx: AdminContext, deps: AdminDeps) {
  const manager = deps.dataSource().manager;
  const period = periodFromQuery(ctx, deps.timeZone, DEFAULT_DAYS);
  const result = await completionStats(manager, {
    from: period.from,
    to: period.to,
    timeZone: deps.timeZone,
  });
  const people = await staffByIds(manager, [
    ...result.requests.flatMap((request) => [request.reporterId, request.decidedByStaffId]),
    ...result.stats.throughput.map(([id]) => id),
  ]);
  return { period, ...result, people };
}

export function completionStatsRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'completions.stats') => AdminMiddleware,
): void {
  router.get('/admin/completion-stats', guard('completions.stats'), async (ctx) => {
    const { say } = ctx.state;
    const { period, stats, people } = await load(ctx, deps);
    ctx.type = 'html';
    ctx.body = layout(ctx.state, {
      title: say('web.nav.completionStats'),
      active: 'completionStats',
      body: html`${periodForm(ctx, { timeZone: deps.timeZone, period, exportPath: '/admin/completion-stats.csv' })}
        <section class="card">
          <dl class="facts" id="totals">
            <dt>${say('web.report.total')}</dt>
            <dd data-stat="total">${stats.total}</dd>
            <dt>${say('completion.status.completed')}</dt>
            <dd data-stat="completed">${stats.completed}</dd>
            <dt>${say('completion.status.rejected')}</dt>
            <dd data-stat="rejected">${stats.rejected}</dd>
            <dt>${say('web.completion.openCount')}</dt>
            <dd data-stat="open">${stats.open}</dd>
            <dt>${say('web.completion.powerFlag')}</dt>
            <dd data-stat="power-flagged">${stats.powerFlagged}</dd>
            <dt>${say('web.completion.resubmission')}</dt>
            <dd data-stat="resubmissions">${stats.resubmissions}</dd>
          </dl>
          ${waitTimesTable(say, (minutes) => say('web.completion.minutes', { minutes }), [
            { id: 'to-claim', label: say('web.completion.toClaim'), times: stats.toClaimMinutes },
            {
              id: 'claim-to-decision',
              label: say('web.completion.claimToDecision'),
              times: stats.claimToDecisionMinutes,
            },
            { id: 'to-decision', label: say('web.completion.toDecision'), times: stats.toDecisionMinutes },
          ])}
        </section>
        ${countTable('by-day', say('web.completion.byDay'), stats.byDay)}
        ${countTable('by-type', say('web.completion.byType'), stats.byBusinessType)}
        <section class="card">
          <h2>${say('web.completion.throughput')}</h2>
          <table id="throughput">
            <thead>
              <tr>
                <th></th>
                <th>${say('completion.status.completed')}</th>
                <th>${say('completion.status.rejected')}</th>
              </tr>
            </thead>
            <tbody>
              ${stats.throughput.map(
                ([id, completed, rejected]) =>
                  html`<tr>
                    <td>${staffLabel(say, people.get(id), String(id))}</td>
                    <td class="count-cell">${completed}</td>
                    <td class="count-cell">${rejected}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </section>
        ${countTable('reject-reasons', say('web.completion.rejectReasons'), stats.rejectReasons)}`,
    });
  });

  router.get('/admin/completion-stats.csv', guard('completions.stats'), async (ctx) => {
    const { period, requests, people } = await load(ctx, deps);
    const refNos = new Map(requests.map((request) => [request.id, request.refNo]));
    // A resubmission's original may have been submitted before the period.
    for (const request of requests) {
      const id = request.resubmissionOfId;
      if (id === null || refNos.has(id)) continue;
      const original = await findCompletion(deps.dataSource().manager, id);
      if (original) refNos.set(id, original.refNo);
    }
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set(
      'Content-Disposition',
      `attachment; filename="completions-${dateInput(period.from, deps.timeZone)}-${dateInput(period.toDay, deps.timeZone)}.csv"`,
    );
    ctx.body = completionsCsv(requests, {
      locale: ctx.state.locale,
      timeZone: deps.timeZone,
      people,
      refNoOf: (id) => (id === null ? '' : (refNos.get(id) ?? String(id))),
    });
  });
}
