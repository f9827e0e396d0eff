/**
 * The work queues on the home page, in order. Each feature that gives the back office work adds its
 * queue here; counts are scoped to the person (tier-3 sees its department only).
 */
import { countOpenReports } from '../../bot/src/features/report';
import { countCompletions } from '../../bot/src/features/completion';
import { countTickets } from '../../bot/src/features/ticket';
import { ticketQueueFilter } from './pages/tickets';
import { countUnboundActiveStaff } from '../../bot/src/features/staff';
import { countDeadOutbox } from '../../bot/src/notifications';
import { can, departmentScope, reportScope } from './access';
import type { QueueDefinition } from './queues';

export const defaultQueues: readonly QueueDefinition[] = [
  {
    key: 'tickets.new',
    title: 'web.queue.newTickets',
    href: '/admin/tickets?queue=new',
    isVisibleTo: (user) => can(user, 'tickets.act'),
    count: (manager, user) => countTickets(manager, ticketQueueFilter(user, 'new', new Date())),
  },
  {
    key: 'tickets.mine',
    title: 'web.queue.myTickets',
    href: '/admin/tickets?queue=mine',
    isVisibleTo: (user) => can(user, 'tickets.act'),
    count: (manager, user) => countTickets(manager, ticketQueueFilter(user, 'mine', new Date())),
  },
  {
    key: 'tickets.overdue',
    title: 'web.queue.overdueTickets',
    href: '/admin/tickets?queue=overdue',
    isVisibleTo: (user) => can(user, 'tickets.read'),
    count: (manager, user) => countTickets(manager, ticketQueueFilter(user, 'overdue', new Date())),
  },
  {
    key: 'completions.pending',
    title: 'web.queue.pendingCompletions',
    href: '/admin/completions?queue=pending',
    isVisibleTo: (user) => can(user, 'completions.act'),
    count: (manager, user) =>
      countCompletions(manager, { queue: 'pending', viewerId: user.id, now: new Date() }),
  },
  {
    key: 'completions.mine',
    title: 'web.queue.myCompletions',
    href: '/admin/completions?queue=mine',
    isVisibleTo: (user) => can(user, 'completions.act'),
    count: (manager, user) =>
      countCompletions(manager, { queue: 'mine', viewerId: user.id, now: new Date() }),
  },
  {
    key: 'reports.hazard',
    title: 'web.queue.openHazards',
    href: '/admin/hazards',
    isVisibleTo: (user) => can(user, 'reports.act'),
    count: (manager, user) => countOpenReports(manager, 'hazard', reportScope(user)),
  },
  {
    key: 'reports.lead',
    title: 'web.queue.openLeads',
    href: '/admin/leads',
    isVisibleTo: (user) => can(user, 'reports.act'),
    count: (manager, user) => countOpenReports(manager, 'lead', reportScope(user)),
  },
  {
    key: 'notifications.dead',
    title: 'web.queue.deadNotifications',
    href: '/admin/outbox?status=dead',
    isVisibleTo: (user) => can(user, 'outbox.read'),
    count: (manager) => countDeadOutbox(manager),
  },
  {
    key: 'staff.unbound',
    title: 'web.queue.unboundStaff',
    href: '/admin/roster',
    isVisibleTo: (user) => can(user, 'roster.read'),
    count: (manager, user) => countUnboundActiveStaff(manager, departmentScope(user)),
  },
];
