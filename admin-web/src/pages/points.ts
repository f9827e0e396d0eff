/**
 * Points for the evaluation (积分月度汇总): per person, the quiz and report points the ledger credited in
 * a chosen month (local time), total and rank, with CSV and Excel downloads; and one person's ledger
 * rows (when, how many, why, from what). For managers and admins (points.read); read-only — the ledger is
 * written by the quiz and report features, never edited here.
 */
import type Router from '@koa/router';
import { AppError } from '../../../bot/src/errors';
import {
  monthlyPoints,
  pointsCsv,
  pointsLedger,
  pointsWorkbook,
  type MonthlyPoints,
  type PointsLedgerLine,
} from '../../../bot/src/features/quiz';
import { findStaffById } from '../../../bot/src/features/staff';
import type { MessageKey } from '../../../bot/src/i18n';
import { isLocalMonth, localMonth, previousLocalMonth } from '../../../bot/src/zoned-time';
import type { AdminContext, AdminDeps, AdminMiddleware, AdminState } from '../context';
import { html, type SafeHtml } from '../html';
import { formatTime, layout } from '../layout';
import { queryText } from './query';
import { dataTable } from './table';

/**
 * The month asked for (`?month=YYYY-MM`, up to the running one), else the previous local month: the
 * last one settled, which is the one an evaluation wants (as on the ratings sheet).
 */
function chosenMonth(ctx: AdminContext, deps: AdminDeps): string {
  const current = localMonth(new Date(), deps.timeZone);
  const asked = queryText(ctx, 'month');
  return isLocalMonth(asked) && asked <= current ? asked : previousLocalMonth(current);
}

const REASONS: Readonly<Record<string, MessageKey>> = {
  'quiz.passed': 'points.reason.quiz.passed',
  'report.lead.converted': 'points.reason.report.lead.converted',
  'report.hazard.fixed': 'points.reason.report.hazard.fixed',
};

function reasonText(state: AdminState, line: PointsLedgerLine): string {
  const key = REASONS[line.reasonKey];
  return key ? state.say(key) : line.reasonKey;
}

function sourceCell(state: AdminState, line: PointsLedgerLine): SafeHtml {
  if (line.sourceType === 'report')
    return html`<a href="/admin/reports/${line.sourceId}"
      >${state.say('points.source.report', { id: line.sourceId })}</a
    >`;
  return html`${state.say('points.source.quiz-attempt', { id: line.sourceId, level: line.levelName ?? '—' })}`;
}

function totalsTable(state: AdminState, report: MonthlyPoints): SafeHtml {
  const { say } = state;
  if (report.rows.length === 0) return html`<p>${say('web.points.none')}</p>`;
  const headings = {
    name: say('points.sheet.name'),
    staffNo: say('points.sheet.staffNo'),
    department: say('points.sheet.department'),
    quiz: say('points.sheet.quizPoints'),
    report: say('points.sheet.reportPoints'),
    total: say('points.sheet.total'),
    rank: say('points.sheet.rank'),
  };
  return dataTable(
    'points',
    Object.values(headings),
    report.rows.map(
      (row) =>
        html`<tr data-staff="${row.staffNo}">
          <td data-label="${headings.name}">
            <a href="/admin/points/staff/${row.staffId}?month=${report.month}">${row.name || row.staffNo}</a>
          </td>
          <td data-label="${headings.staffNo}">${row.staffNo}</td>
          <td data-label="${headings.department}">${row.department}</td>
          <td data-label="${headings.quiz}" class="count-cell" data-stat="quiz">${row.quizPoints}</td>
          <td data-label="${headings.report}" class="count-cell" data-stat="report">${row.reportPoints}</td>
          <td data-label="${headings.total}" class="count-cell" data-stat="total">${row.total}</td>
          <td data-label="${headings.rank}" class="count-cell" data-stat="rank">${row.rank}</td>
        </tr>`,
    ),
  );
}

function ledgerTable(ctx: AdminContext, deps: AdminDeps, lines: readonly PointsLedgerLine[]): SafeHtml {
  const { say } = ctx.state;
  if (lines.length === 0) return html`<p>${say('web.points.noEntries')}</p>`;
  const headings = {
    when: say('web.points.when'),
    amount: say('web.points.amount'),
    reason: say('web.points.reason'),
    source: say('web.points.source'),
  };
  return dataTable(
    'ledger',
    Object.values(headings),
    lines.map(
      (line) =>
        html`<tr data-entry="${line.id}">
          <td data-label="${headings.when}">${formatTime(ctx.state, line.createdAt, deps.timeZone)}</td>
          <td data-label="${headings.amount}" class="count-cell">${line.points}</td>
          <td data-label="${headings.reason}">${reasonText(ctx.state, line)}</td>
          <td data-label="${headings.source}">${sourceCell(ctx.state, line)}</td>
        </tr>`,
    ),
  );
}

export function pointsRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'points.read') => AdminMiddleware,
): void {
  const reportFor = (ctx: AdminContext) =>
    monthlyPoints(deps.dataSource().manager, { month: chosenMonth(ctx, deps), timeZone: deps.timeZone });

  router.get('/admin/points', guard('points.read'), async (ctx) => {
    const { say } = ctx.state;
    const report = await reportFor(ctx);
    ctx.type = 'html';
    ctx.body = layout(ctx.state, {
      title: say('web.points.title'),
      active: 'points',
      body: html`<form method="get" action="/admin/points" class="filters" id="points-month">
          <label>${say('web.points.month')}<input type="month" name="month" value="${report.month}" /></label>
          <button type="submit">${say('web.points.show')}</button>
          <a class="button secondary" id="export-csv" href="/admin/points.csv?month=${report.month}"
            >${say('web.points.exportCsv')}</a
          >
          <a class="button secondary" id="export-xlsx" href="/admin/points.xlsx?month=${report.month}"
            >${say('web.points.exportXlsx')}</a
          >
        </form>
        <p class="hint">${say('web.points.help', { timeZone: deps.timeZone })}</p>
        ${totalsTable(ctx.state, report)}`,
    });
  });

  router.get('/admin/points.csv', guard('points.read'), async (ctx) => {
    const report = await reportFor(ctx);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="points-${report.month}.csv"`);
    ctx.body = pointsCsv(report, ctx.state.locale);
  });

  router.get('/admin/points.xlsx', guard('points.read'), async (ctx) => {
    const report = await reportFor(ctx);
    ctx.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    ctx.set('Content-Disposition', `attachment; filename="points-${report.month}.xlsx"`);
    ctx.body = await pointsWorkbook(report, ctx.state.locale);
  });

  router.get('/admin/points/staff/:id', guard('points.read'), async (ctx) => {
    const { say } = ctx.state;
    const id = Number(ctx.params.id);
    const person = Number.isSafeInteger(id) ? await findStaffById(deps.dataSource().manager, id) : null;
    if (!person) throw new AppError('NOT_FOUND', `staff ${ctx.params.id}`);
    const asked = queryText(ctx, 'month');
    const month = isLocalMonth(asked) ? asked : undefined;
    const lines = await pointsLedger(deps.dataSource().manager, {
      staffId: person.id,
      ...(month ? { month } : {}),
      timeZone: deps.timeZone,
    });
    const total = lines.reduce((sum, line) => sum + line.points, 0);
    ctx.type = 'html';
    ctx.body = layout(ctx.state, {
      title: say('web.points.ledgerTitle', { name: person.name, staffNo: person.staffNo }),
      active: 'points',
      body: html`<nav class="actions">
          <a class="button secondary" href="/admin/points${month ? `?month=${month}` : ''}"
            >${say('web.points.back')}</a
          >
          ${
            month
              ? html`<a class="button secondary" href="/admin/points/staff/${person.id}"
                  >${say('web.points.allMonths')}</a
                >`
              : ''
          }
        </nav>
        <p id="ledger-total">
          ${
            month
              ? say('web.points.ledgerMonth', { month, count: lines.length, total })
              : say('web.points.ledgerAll', { count: lines.length, total })
          }
        </p>
        ${ledgerTable(ctx, deps, lines)}`,
    });
  });
}
