/**
 * The work queues on the home page, in order. Each feature that gives the back office work adds its
 * queue here; counts are scoped to the person (tier-3 sees its department only).
 */
import { countOpenReports } from '../../bot/src/features/report';
import { countUnboundActiveStaff } from '../../bot/src/features/staff';
import { countDeadOutbox } from '../../bot/src/notifications';
import { can, departmentScope, reportScope } from './access';
import type { QueueDefinition } from './queues';

export const defaultQueues: readonly QueueDefinition[] = [
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
