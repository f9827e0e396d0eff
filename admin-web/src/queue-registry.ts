/**
 * The work queues on the home page, in order. Each feature that gives the back office work adds its
 * queue here; counts are scoped to the person (tier-3 sees its department only).
 */
import { countUnboundActiveStaff } from '../../bot/src/features/staff';
import { countDeadOutbox } from '../../bot/src/notifications';
import { can, departmentScope } from './access';
import type { QueueDefinition } from './queues';

export const defaultQueues: readonly QueueDefinition[] = [
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
