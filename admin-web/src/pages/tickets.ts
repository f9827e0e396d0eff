/**
 * The ticket queues: new, mine, waiting for the engineer, escalated, overdue and recently closed, each with
 * its count. Tier 2 works tier-2 tickets and follows escalated ones; tier 3 sees only its department's.
 * Support requests come first, then whatever is due soonest; overdue ones stand out.
 */
import type Router from '@koa/router';
import {
  countTickets,
  listTickets,
  TICKET_QUEUES,
  type Ticket,
  type TicketQueue,
  type TicketQueueFilter,
} from '../../../bot/src/features/ticket';
import { staffByIds, type Staff } from '../../../bot/src/features/staff';
import type { AdminContext, AdminDeps, AdminState, AdminMiddleware } from '../context';
import { html } from '../html';
import { formatTime, layout } from '../layout';
import { queryNotice } from '../notice';
import { queryText } from './query';
import { staffNamer } from './staff-label';

/** The queue filter for what `user` may see; tier 3 is held to its own department. */
export function ticketQueueFilter(user: Staff, queue: TicketQueue, now: Date): TicketQueueFilter {
  const isTier3 = user.role === 'tier3';
  return {
    queue,
    viewerId: user.id,
    tier: isTier3 ? 3 : 2,
    now,
    ...(isTier3 ? { departmentId: user.departmentId } : {}),
  };
}

/** Whether a ticket is past a due time that still matters. */
export function isOverdue(ticket: Ticket, now: Date): boolean {
  if (ticket.status !== 'new' && ticket.status !== 'claimed') return false;
  const firstLate = ticket.firstResponseAt === null && ticket.firstResponseDueAt.getTime() < now.getTime();
  return firstLate || ticket.resolutionDueAt.getTime() < now.getTime();
}

async function queuePage(ctx: AdminContext, deps: AdminDeps): Promise<string> {
  const { say, user } = ctx.state;
  if (!user) return '';
  const manager = deps.dataSource().manager;
  const now = new Date();
  const queue = TICKET_QUEUES.find((value) => value === queryText(ctx, 'queue')) ?? 'new';
  // Tier 3 has no separate "escalated" view: everything it sees was escalated to it.
  const queues = TICKET_QUEUES.filter((value) => !(user.role === 'tier3' && value === 'escalated'));
  const [tickets, counts] = await Promise.all([
    listTickets(manager, ticketQueueFilter(user, queue, now)),
    Promise.all(queues.map((value) => countTickets(manager, ticketQueueFilter(user, value, now)))),
  ]);
  const people = await staffByIds(
    manager,
    tickets.flatMap((ticket) => [ticket.reporterId, ticket.assigneeStaffId]),
  );
  const notice = queryNotice(ctx);
  const who = staffNamer(say, people);

  return layout(ctx.state, {
    title: say('web.nav.tickets'),
    active: 'tickets',
    ...(notice ? { notice } : {}),
    body: html`<nav class="tabs" id="ticket-queues">
        ${queues.map(
          (value, index) =>
            html`<a
              href="/admin/tickets?queue=${value}"
              class="${value === queue ? 'active' : ''}"
              data-queue="${value}"
              >${say(`web.ticket.queue.${value}`)} <span class="count">${counts[index] ?? 0}</span></a
            >`,
        )}
      </nav>
      ${
        tickets.length === 0
          ? html`<p id="ticket-none">${say('web.ticket.none')}</p>`
          : html`<div class="table-wrap">
              <table id="tickets">
                <thead>
                  <tr>
                    <th>${say('web.ticket.refNo')}</th>
                    <th>${say('web.ticket.question')}</th>
                    <th>${say('web.ticket.status')}</th>
                    <th>${say('web.ticket.reporter')}</th>
                    <th>${say('web.ticket.assignee')}</th>
                    <th>${say('web.ticket.due')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${tickets.map((ticket) => {
                    const overdue = isOverdue(ticket, now);
                    const due =
                      ticket.firstResponseAt === null ? ticket.firstResponseDueAt : ticket.resolutionDueAt;
                    return html`<tr class="${overdue ? 'overdue' : ''}" data-ref="${ticket.refNo}">
                      <td data-label="${say('web.ticket.refNo')}">
                        <a href="/admin/tickets/${ticket.id}">${ticket.refNo}</a>
                        ${ticket.priority === 'urgent' ? html`<span class="badge critical">${say('ticket.priority.urgent')}</span>` : ''}
                        <small>${say(`ticket.kind.${ticket.kind}`)}</small>
                      </td>
                      <td data-label="${say('web.ticket.question')}">${ticket.question.slice(0, 80)}</td>
                      <td data-label="${say('web.ticket.status')}">
                        ${say(`ticket.status.${ticket.status}`)}${ticket.tier === 3 ? html` <small>${say('web.ticket.tier3')}</small>` : ''}
                      </td>
                      <td data-label="${say('web.ticket.reporter')}">${who(ticket.reporterId)}</td>
                      <td data-label="${say('web.ticket.assignee')}">${who(ticket.assigneeStaffId)}</td>
                      <td data-label="${say('web.ticket.due')}">
                        ${ticket.status === 'waiting' ? say('web.ticket.paused') : formatTime(ctx.state, due, deps.timeZone)}
                        ${overdue ? html`<span class="badge overdue">${say('web.report.overdue')}</span>` : ''}
                      </td>
                    </tr>`;
                  })}
                </tbody>
              </table>
            </div>`
      }`,
  });
}

export function ticketQueueRoutes(
  router: Router<AdminState>,
  deps: AdminDeps,
  guard: (capability: 'tickets.read') => AdminMiddleware,
): void {
  router.get('/admin/tickets', guard('tickets.read'), async (ctx) => {
    ctx.type = 'html';
    ctx.body = await queuePage(ctx, deps);
  });
}
