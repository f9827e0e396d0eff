/**
 * The completion desk's queues: waiting to be claimed, mine, rejected (until the engineer resubmits) and
 * completed today, each with its count. What has waited longest is on top, with how long it has waited:
 * an engineer is standing at the customer's door for each of these.
 */
import type Router from '@koa/router';
import {
  COMPLETION_QUEUES,
  countCompletions,
  listCompletions,
  type CompletionQueue,
  type CompletionQueueFilter,
  type CompletionRequest,
} from '../../../bot/src/features/completion';
import { staffByIds, type Staff } from '../../../bot/src/features/staff';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html } from '../html';
import { formatTime, layout } from '../layout';
import { queryNotice } from '../notice';
import { staffNamer } from './staff-label';
import { queryText } from './query';

/** The queue filter for `user`. */
export function completionQueueFilter(
  user: Staff,
  queue: CompletionQueue,
  now: Date,
  timeZone: string,
): CompletionQueueFilter {
  return { queue, viewerId: user.id, now, timeZone };
}

/** Whole minutes a request has waited: until it was decided, or until now. */
export function waitedMinutes(request: CompletionRequest, now: Date): number {
  const end = request.decidedAt ?? now;
  return Math.max(0, Math.floor((end.getTime() - request.createdAt.getTime()) / 60_000));
}

async function queuePage(ctx: AdminContext, deps: AdminDeps): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const manager = deps.dataSource().manager;
  const now = new Date();
  const queue = COMPLETION_QUEUES.find((value) => value === queryText(ctx, 'queue')) ?? 'pending';
  const filter = (value: CompletionQueue) => completionQueueFilter(user, value, now, deps.timeZone);
  const [requests, counts] = await Promise.all([
    listCompletions(manager, filter(queue)),
    Promise.all(COMPLETION_QUEUES.map((value) => countCompletions(manager, filter(value)))),
  ]);
  const people = await staffByIds(
    manager,
    requests.flatMap((request) => [request.reporterId, request.assigneeStaffId]),
  );
  const notice = queryNotice(ctx);
  const who = staffNamer(say, people);

  return layout(ctx.state, {
    title: say('web.nav.completions'),
    active: 'completions',
    ...(notice ? { notice } : {}),
    body: html`<nav class="tabs" id="completion-queues">
        ${COMPLETION_QUEUES.map(
          (value, index) =>
            html`<a
              href="/admin/completions?queue=${value}"
              class="${value === queue ? 'active' : ''}"
              data-queue="${value}"
              >${say(`web.completion.queue.${value}`)} <span class="count">${counts[index] ?? 0}</span></a
            >`,
        )}
      </nav>
      ${
        requests.length === 0
          ? html`<p id="completion-none">${say('web.completion.none')}</p>`
          : html`<div class="table-wrap">
              <table id="completions">
                <thead>
                  <tr>
                    <th>${say('web.completion.refNo')}</th>
                    <th>${say('web.completion.orderNo')}</th>
                    <th>${say('web.completion.status')}</th>
                    <th>${say('web.completion.engineer')}</th>
                    <th>${say('web.completion.assignee')}</th>
                    <th>${say('web.completion.submitted')}</th>
                    <th>${say('web.completion.waited')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${requests.map(
                    (request) =>
                      html`<tr data-ref="${request.refNo}">
                        <td data-label="${say('web.completion.refNo')}">
                          <a href="/admin/completions/${request.id}">${request.refNo}</a>
                          ${request.isPowerOutOfRange ? html`<span class="badge critical">${say('web.completion.powerFlag')}</span>` : ''}
                          ${request.resubmissionOfId !== null ? html`<span class="badge">${say('web.completion.resubmission')}</span>` : ''}
                        </td>
                        <td data-label="${say('web.completion.orderNo')}">
                          ${request.orderNo} <small>${request.businessType}</small>
                        </td>
                        <td data-label="${say('web.completion.status')}">
                          ${say(`completion.status.${request.status}`)}
                          ${request.rejectReason ? html` <small>${request.rejectReason}</small>` : ''}
                        </td>
                        <td data-label="${say('web.completion.engineer')}">${who(request.reporterId)}</td>
                        <td data-label="${say('web.completion.assignee')}">
                          ${who(request.assigneeStaffId)}
                        </td>
                        <td data-label="${say('web.completion.submitted')}">
                          ${formatTime(ctx.state, request.createdAt, deps.timeZone)}
                        </td>
                        <td data-label="${say('web.completion.waited')}" class="waited">
                          ${say('web.completion.minutes', { minutes: waitedMinutes(request, now) })}
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }`,
  });
}

export function completionQueueRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'completions.read') => AdminMiddleware,
): void {
  router.get('/admin/completions', guard('completions.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await queuePage(ctx, deps);
  });
}
