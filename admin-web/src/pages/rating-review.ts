/**
 * The managers' review of ratings (`ratings.review`): per person and per department — average, count,
 * distribution, response rate, trend, most-given tags — filtered by period, role and department, with
 * charts; one person's page; the monthly evaluation sheet with CSV and Excel exports. And a person's own
 * figures (`ratings.self`), held back until they cannot identify a rater. No page names a rater.
 */
import type Router from '@koa/router';
import {
  evaluationSheet,
  MIN_RATINGS_SHOWN,
  ownRatingSummary,
  ratingReview,
  ratingReviewCsv,
  sheetWorkbook,
  sheetCsv,
  type RatingAggregate,
  type RatingSide,
  type TrendGranularity,
} from '../../../bot/src/features/rating';
import { findStaffById, listDepartments, staffByIds } from '../../../bot/src/features/staff';
import { AppError } from '../../../bot/src/errors';
import { isLocalMonth, localDay, localMonth, previousLocalMonth } from '../../../bot/src/zoned-time';
import type { AdminContext, AdminDeps, AdminMiddleware, AdminState } from '../context';
import { html, type SafeHtml } from '../html';
import { layout } from '../layout';
import { dateInput, queryText } from './query';
import { periodForm, periodFromQuery } from './stats-common';

const DEFAULT_DAYS = 91;
const SIDES: readonly RatingSide[] = [1, 2, 3];

const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 1000) / 10}%`);
const stars = (value: number | null) => (value === null ? '—' : value.toFixed(2));

/** The filters of the review page, read strictly from the query string. */
async function filters(ctx: AdminContext, deps: AdminDeps) {
  const manager = deps.dataSource().manager;
  const period = periodFromQuery(ctx, deps.timeZone, DEFAULT_DAYS);
  const sideText = queryText(ctx, 'side');
  const side = SIDES.find((value) => String(value) === sideText);
  const departments = await listDepartments(manager);
  const departmentText = queryText(ctx, 'department');
  const department = departments.find((item) => String(item.id) === departmentText);
  const granularity: TrendGranularity = queryText(ctx, 'trend') === 'week' ? 'week' : 'month';
  return { period, side, department, departments, granularity };
}

/**
 * The charts of one aggregate: drawn by /admin/static/rating-review.js from the `data-chart` attribute
 * (CSP allows no inline script); the tables next to them carry the same figures without script.
 */
function charts(state: AdminState, aggregate: RatingAggregate): SafeHtml {
  const { say } = state;
  const distribution = {
    kind: 'distribution',
    labels: [1, 2, 3, 4, 5].map((value) => say('web.rating.stars', { stars: value })),
    values: aggregate.distribution,
    name: say('web.rating.count'),
  };
  const trend = {
    kind: 'trend',
    periods: aggregate.trend.map((point) => point.period),
    counts: aggregate.trend.map((point) => point.count),
    averages: aggregate.trend.map((point) => Math.round(point.average * 100) / 100),
    countName: say('web.rating.count'),
    averageName: say('web.rating.average'),
  };
  return html`<div class="rating-charts">
    <div class="rating-chart" id="chart-distribution" data-chart="${JSON.stringify(distribution)}"></div>
    <div class="rating-chart" id="chart-trend" data-chart="${JSON.stringify(trend)}"></div>
  </div>`;
}

/** One aggregate: headline facts, charts, the distribution, trend and tags as tables. */
function aggregateSection(state: AdminState, aggregate: RatingAggregate): SafeHtml {
  const { say } = state;
  return html`<section class="card" id="aggregate">
      <dl class="facts">
        <dt>${say('web.rating.count')}</dt>
        <dd data-stat="count">${aggregate.count}</dd>
        <dt>${say('web.rating.average')}</dt>
        <dd data-stat="average">${stars(aggregate.average)}</dd>
        <dt>${say('web.rating.responseRate')}</dt>
        <dd data-stat="response-rate">
          ${say('web.withNote', { text: percent(aggregate.responseRate), note: `${aggregate.count}/${aggregate.due}` })}
        </dd>
      </dl>
      <p class="hint">${say('web.rating.responseRateHelp')}</p>
      ${aggregate.count === 0 ? html`<p>${say('web.rating.none')}</p>` : charts(state, aggregate)}
    </section>
    <section class="card">
      <h2>${say('web.rating.distribution')}</h2>
      <table id="distribution">
        <tbody>
          ${aggregate.distribution.map(
            (count, index) =>
              html`<tr>
                <td>${say('web.rating.stars', { stars: index + 1 })}</td>
                <td class="count-cell">${count}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section class="card">
      <h2>${say('web.rating.trend')}</h2>
      <table id="trend">
        <tbody>
          ${aggregate.trend.map(
            (point) =>
              html`<tr>
                <td>${point.period}</td>
                <td class="count-cell">${point.count}</td>
                <td class="count-cell">${stars(point.average)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section class="card">
      <h2>${say('web.rating.topTags')}</h2>
      <table id="tags">
        <tbody>
          ${aggregate.topTags.map(
            ([tag, count]) =>
              html`<tr>
                <td>${tag}</td>
                <td class="count-cell">${count}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
}

/** The scripts a page with charts needs, at the end of its body (same origin, allowed by the CSP). */
const chartScripts = html`<script src="/admin/static/echarts.min.js" defer></script>
  <script src="/admin/static/rating-review.js" defer></script>`;

function sideLabel(state: AdminState, side: RatingSide): string {
  return state.say(`web.rating.side.${side}`);
}

export function ratingReviewRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'ratings.review' | 'ratings.self') => AdminMiddleware,
): void {
  const load = async (ctx: AdminContext) => {
    const manager = deps.dataSource().manager;
    const chosen = await filters(ctx, deps);
    const review = await ratingReview(manager, {
      from: chosen.period.from,
      to: chosen.period.to,
      now: new Date(),
      timeZone: deps.timeZone,
      granularity: chosen.granularity,
      ...(chosen.side === undefined ? {} : { side: chosen.side }),
      ...(chosen.department === undefined ? {} : { departmentId: chosen.department.id }),
    });
    const people = await staffByIds(
      manager,
      review.people.map((row) => row.staffId),
    );
    const departmentName = (id: number | null) =>
      id === null ? '' : (chosen.departments.find((item) => item.id === id)?.name ?? String(id));
    const person = (staffId: number) => {
      const found = people.get(staffId);
      return {
        name: found?.name ?? '',
        staffNo: found?.staffNo ?? String(staffId),
        department: departmentName(found?.departmentId ?? null),
      };
    };
    return { ...chosen, review, person, departmentName };
  };

  router.get('/admin/ratings', guard('ratings.review'), async (ctx) => {
    const { say } = ctx.state;
    const { period, side, department, departments, granularity, review, person, departmentName } =
      await load(ctx);
    const extraQuery: Record<string, string> = { trend: granularity };
    if (side !== undefined) extraQuery.side = String(side);
    if (department !== undefined) extraQuery.department = String(department.id);
    const row = (label: SafeHtml | string, aggregate: RatingAggregate) =>
      html`<tr>
        <td>${label}</td>
        <td class="count-cell">${aggregate.count}</td>
        <td class="count-cell">${stars(aggregate.average)}</td>
        <td>${aggregate.distribution.join(' / ')}</td>
        <td class="count-cell">${percent(aggregate.responseRate)}</td>
        <td>${aggregate.topTags.map(([tag, count]) => `${tag}(${count})`).join(' ')}</td>
      </tr>`;
    const head = (first: string) =>
      html`<thead>
        <tr>
          <th>${first}</th>
          <th>${say('web.rating.count')}</th>
          <th>${say('web.rating.average')}</th>
          <th>${say('web.rating.distribution')}</th>
          <th>${say('web.rating.responseRate')}</th>
          <th>${say('web.rating.topTags')}</th>
        </tr>
      </thead>`;
    ctx.type = 'html';
    ctx.body = layout(ctx.state, {
      title: say('web.nav.ratingReview'),
      active: 'ratingReview',
      body: html`<p><a href="/admin/ratings/sheet">${say('web.rating.sheet')}</a></p>
        ${periodForm(ctx, {
          timeZone: deps.timeZone,
          period,
          exportPath: '/admin/ratings.csv',
          extraQuery,
          extraFields: html`<label
              >${say('web.rating.side')}<select name="side">
                <option value="">${say('web.rating.anySide')}</option>
                ${SIDES.map((value) => html`<option value="${value}" ${value === side ? html`selected` : ''}>${sideLabel(ctx.state, value)}</option>`)}
              </select></label
            >
            <label
              >${say('web.rating.department')}<select name="department">
                <option value="">${say('web.rating.anyDepartment')}</option>
                ${departments.map((item) => html`<option value="${item.id}" ${item.id === department?.id ? html`selected` : ''}>${item.name}</option>`)}
              </select></label
            >
            <label
              >${say('web.rating.granularity')}<select name="trend">
                <option value="month">${say('web.rating.byMonth')}</option>
                <option value="week" ${granularity === 'week' ? html`selected` : ''}>
                  ${say('web.rating.byWeek')}
                </option>
              </select></label
            >`,
        })}
        ${aggregateSection(ctx.state, review.overall)}
        <section class="card">
          <h2>${say('web.rating.people')}</h2>
          <table id="people">
            ${head(say('rating.sheet.name'))}
            <tbody>
              ${review.people.map(({ staffId, aggregate }) => {
                const who = person(staffId);
                const query = new URLSearchParams({
                  ...extraQuery,
                  from: localDay(period.from, deps.timeZone),
                  to: localDay(period.toDay, deps.timeZone),
                });
                return row(
                  html`<a href="/admin/ratings/staff/${staffId}?${query.toString()}"
                    >${say('web.withNote', { text: who.name, note: who.staffNo })}</a
                  >`,
                  aggregate,
                );
              })}
            </tbody>
          </table>
        </section>
        <section class="card">
          <h2>${say('web.rating.departments')}</h2>
          <table id="departments">
            ${head(say('web.rating.department'))}
            <tbody>
              ${review.departments.map(({ departmentId, aggregate }) =>
                row(departmentName(departmentId), aggregate),
              )}
            </tbody>
          </table>
        </section>
        ${chartScripts}`,
    });
  });

  router.get('/admin/ratings.csv', guard('ratings.review'), async (ctx) => {
    const { period, review, person } = await load(ctx);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set(
      'Content-Disposition',
      `attachment; filename="ratings-${dateInput(period.from, deps.timeZone)}-${dateInput(period.toDay, deps.timeZone)}.csv"`,
    );
    ctx.body = ratingReviewCsv(review, { locale: ctx.state.locale, person });
  });

  router.get('/admin/ratings/staff/:id', guard('ratings.review'), async (ctx) => {
    const { say } = ctx.state;
    const manager = deps.dataSource().manager;
    const id = Number(ctx.params.id);
    const staff = Number.isSafeInteger(id) && id > 0 ? await findStaffById(manager, id) : null;
    if (!staff) throw new AppError('NOT_FOUND', 'staff');
    const { period, side, granularity, departments } = await filters(ctx, deps);
    const departmentName = (departmentId: number | null) =>
      departments.find((item) => item.id === departmentId)?.name ?? '';
    const review = await ratingReview(manager, {
      from: period.from,
      to: period.to,
      now: new Date(),
      timeZone: deps.timeZone,
      granularity,
      rateeStaffId: staff.id,
      ...(side === undefined ? {} : { side }),
    });
    const extraQuery: Record<string, string> = { trend: granularity };
    if (side !== undefined) extraQuery.side = String(side);
    ctx.type = 'html';
    ctx.body = layout(ctx.state, {
      title: say('web.withNote', { text: staff.name, note: staff.staffNo }),
      active: 'ratingReview',
      body: html`<p>
          <a href="/admin/ratings">${say('web.nav.ratingReview')}</a> · ${departmentName(staff.departmentId)}
        </p>
        ${periodForm(ctx, {
          timeZone: deps.timeZone,
          period,
          exportPath: '/admin/ratings.csv',
          extraQuery,
          extraFields: html`<input type="hidden" name="trend" value="${granularity}" />`,
        })}
        ${aggregateSection(ctx.state, review.overall)} ${chartScripts}`,
    });
  });

  const sheetFor = async (ctx: AdminContext) => {
    const now = new Date();
    const asked = queryText(ctx, 'month');
    const current = localMonth(now, deps.timeZone);
    const month = isLocalMonth(asked) && asked <= current ? asked : previousLocalMonth(current);
    return evaluationSheet(deps.dataSource().manager, { month, now, timeZone: deps.timeZone });
  };

  router.get('/admin/ratings/sheet', guard('ratings.review'), async (ctx) => {
    const { say } = ctx.state;
    const sheet = await sheetFor(ctx);
    const { weights } = sheet;
    ctx.type = 'html';
    ctx.body = layout(ctx.state, {
      title: say('web.rating.sheet'),
      active: 'ratingReview',
      body: html`<form method="get" class="filters">
          <label>${say('web.rating.month')}<input type="month" name="month" value="${sheet.month}" /></label>
          <button type="submit">${say('web.roster.filter')}</button>
          <a class="button secondary" id="export-csv" href="/admin/ratings/sheet.csv?month=${sheet.month}"
            >${say('web.report.export')}</a
          >
          <a class="button secondary" id="export-xlsx" href="/admin/ratings/sheet.xlsx?month=${sheet.month}"
            >${say('web.rating.exportXlsx')}</a
          >
        </form>
        <p class="hint">${say('web.rating.sheetHelp', { ...weights })}</p>
        <section class="card">
          <table id="sheet">
            <thead>
              <tr>
                ${[
                  'rating.sheet.staffNo',
                  'rating.sheet.name',
                  'rating.sheet.department',
                  'rating.sheet.ratingsReceived',
                  'rating.sheet.averageStars',
                  'rating.sheet.ratingsGiven',
                  'rating.sheet.ratingsOwed',
                  'rating.sheet.responseRate',
                  'rating.sheet.ticketsHandled',
                  'rating.sheet.score',
                ].map((key) => html`<th>${say(key as 'rating.sheet.score')}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${sheet.rows.map(
                (row) =>
                  html`<tr data-staff="${row.staffNo}">
                    <td>${row.staffNo}</td>
                    <td>${row.name}</td>
                    <td>${row.department}</td>
                    <td class="count-cell">${row.ratingsReceived}</td>
                    <td class="count-cell">${stars(row.averageStars)}</td>
                    <td class="count-cell">${row.ratingsGiven}</td>
                    <td class="count-cell">${row.ratingsOwed}</td>
                    <td class="count-cell">${percent(row.responseRate)}</td>
                    <td class="count-cell">${row.ticketsHandled}</td>
                    <td class="count-cell" data-stat="score">
                      ${row.score === null ? '—' : row.score.toFixed(1)}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </section>`,
    });
  });

  router.get('/admin/ratings/sheet.csv', guard('ratings.review'), async (ctx) => {
    const sheet = await sheetFor(ctx);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="evaluation-${sheet.month}.csv"`);
    ctx.body = sheetCsv(sheet.rows, ctx.state.locale);
  });

  router.get('/admin/ratings/sheet.xlsx', guard('ratings.review'), async (ctx) => {
    const sheet = await sheetFor(ctx);
    ctx.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    ctx.set('Content-Disposition', `attachment; filename="evaluation-${sheet.month}.xlsx"`);
    ctx.body = await sheetWorkbook(sheet, ctx.state.locale);
  });

  router.get('/admin/ratings/me', guard('ratings.self'), async (ctx) => {
    const { say, user } = ctx.state;
    if (!user) throw new AppError('UNAUTHENTICATED', 'sign in first');
    const summary = await ownRatingSummary(deps.dataSource().manager, {
      staffId: user.id,
      now: new Date(),
      timeZone: deps.timeZone,
    });
    ctx.type = 'html';
    ctx.body = layout(ctx.state, {
      title: say('web.nav.ratingSelf'),
      active: 'ratingSelf',
      body: html`<p class="hint">${say('web.rating.selfHelp', { minimum: MIN_RATINGS_SHOWN })}</p>
        <section class="card">
          <table id="months">
            <tbody>
              ${summary.months.map(
                (row) =>
                  html`<tr data-month="${row.month}">
                    <td>${row.month}</td>
                    <td>
                      ${
                        row.isShown
                          ? say('web.rating.monthShown', { count: row.count })
                          : say('web.rating.monthHidden', { minimum: MIN_RATINGS_SHOWN })
                      }
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </section>
        ${
          summary.aggregate === null
            ? html`<p id="self-hidden">${say('web.rating.selfNothing', { minimum: MIN_RATINGS_SHOWN })}</p>`
            : html`${aggregateSection(ctx.state, summary.aggregate)} ${chartScripts}`
        }`,
    });
  });
}
