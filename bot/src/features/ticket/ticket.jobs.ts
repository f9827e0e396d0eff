import type { EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import type { Job } from '../../jobs/job';
import { enqueue } from '../../notifications/enqueue';
import { formatLocalMonthDayTime } from '../../zoned-time';
import { readSetting } from '../settings';
import { areaManagers, Staff } from '../staff';
import { archiveTicket, currentHandlers } from './ticket.commands';
import { SLA_ALERT, Ticket } from './ticket.entity';
import { ticketsNearingDue, ticketsToArchive } from './ticket.queries';
import { archiveAfterSetting, slaReminderSetting } from './ticket.settings';

type Target = 'firstResponse' | 'resolution';

/** Sets alert bits only if nobody changed the ticket meanwhile: with any number of instances, once. */
async function markAlerted(manager: EntityManager, ticket: Ticket, bits: number): Promise<boolean> {
  const result = await manager.update(
    Ticket,
    { id: ticket.id, version: ticket.version, slaAlerts: ticket.slaAlerts },
    { slaAlerts: ticket.slaAlerts | bits },
  );
  return result.affected === 1;
}

/** Who is reminded before a due time: whoever should hear about the ticket now (never nobody). */
async function reminderRecipients(
  manager: EntityManager,
  ticket: Ticket,
): Promise<Array<{ staffId: number } | { group: string }>> {
  const handlers = await currentHandlers(manager, ticket);
  return Array.isArray(handlers) ? handlers.map((person) => ({ staffId: person.id })) : [handlers];
}

/** Who hears of a breach: the duty leads' group and the managers of the engineer's area. */
async function breachRecipients(
  manager: EntityManager,
  ticket: Ticket,
  breachGroup: string,
): Promise<Array<{ staffId: number } | { group: string }>> {
  const managers = await areaManagers(manager, ticket.areaId);
  return [{ group: breachGroup }, ...managers.map((person) => ({ staffId: person.id }))];
}

/**
 * SLA timers: before a first-response or resolution due time the assignee is reminded; once it passes,
 * the duty leads and the area manager get an SMS. Each alert fires once per due time (bits on the ticket,
 * set by a guarded update, and outbox dedupe keys naming the due time), however many instances run.
 */
export function ticketSlaJob(options: { readonly timeZone: string }): Job {
  return {
    name: 'ticket-sla',
    description: 'Remind assignees before ticket SLA due times; alert duty leads and managers on breaches',
    schedule: '*/30 * * * * *',
    isFrequent: true,
    async run({ now, manager }) {
      const { minutesBefore, breachGroup } = (await readSetting(manager, slaReminderSetting)).value;
      const horizon = new Date(now.getTime() + minutesBefore * 60_000);
      let sent = 0;
      for (const ticket of await ticketsNearingDue(manager, horizon)) {
        const checks: Array<{ target: Target; due: Date; reminder: number; breach: number }> = [];
        if (ticket.firstResponseAt === null)
          checks.push({
            target: 'firstResponse',
            due: ticket.firstResponseDueAt,
            reminder: SLA_ALERT.firstResponseReminder,
            breach: SLA_ALERT.firstResponseBreach,
          });
        checks.push({
          target: 'resolution',
          due: ticket.resolutionDueAt,
          reminder: SLA_ALERT.resolutionReminder,
          breach: SLA_ALERT.resolutionBreach,
        });
        const alerts = checks.flatMap((check) => {
          const isBreached = check.due.getTime() <= now.getTime();
          const bit = isBreached ? check.breach : check.reminder;
          if (check.due.getTime() > horizon.getTime() || (ticket.slaAlerts & bit) !== 0) return [];
          // A breach implies the reminder: never send a reminder after the fact.
          return [
            {
              ...check,
              level: isBreached ? ('breach' as const) : ('reminder' as const),
              bits: isBreached ? check.breach | check.reminder : check.reminder,
            },
          ];
        });
        if (alerts.length === 0) continue;
        const bits = alerts.reduce((all, alert) => all | alert.bits, 0);
        await inTransaction(manager, async (tx) => {
          if (!(await markAlerted(tx, ticket, bits))) return;
          const assignee =
            ticket.assigneeStaffId === null
              ? null
              : await tx.findOneBy(Staff, { id: ticket.assigneeStaffId });
          for (const alert of alerts) {
            const recipients =
              alert.level === 'breach'
                ? await breachRecipients(tx, ticket, breachGroup)
                : await reminderRecipients(tx, ticket);
            for (const to of recipients) {
              await enqueue(tx, {
                channel: 'sms',
                to,
                template: 'ticket.sla',
                data: {
                  kind: ticket.kind,
                  refNo: ticket.refNo,
                  target: alert.target,
                  level: alert.level,
                  due: formatLocalMonthDayTime(alert.due, options.timeZone),
                  assignee: assignee?.name ?? '-',
                },
                dedupeKey: `ticket:${ticket.id}:sla:${alert.target}:${alert.level}:${alert.due.getTime()}:${'staffId' in to ? to.staffId : to.group}`,
                urgency: alert.level === 'breach' ? 'urgent' : 'normal',
                now,
              });
              sent += 1;
            }
          }
        });
      }
      return `${sent} SLA alerts`;
    },
  };
}

/** Archives resolved tickets the engineer did not confirm within `ticket.archiveAfterHours`. */
export const ticketArchiveJob: Job = {
  name: 'ticket-archive',
  description: 'Archive resolved tickets the engineer has not confirmed (after 24 h by default)',
  schedule: '*/10 * * * *',
  async run({ now, manager }) {
    const hours = (await readSetting(manager, archiveAfterSetting)).value;
    let archived = 0;
    for (const ticket of await ticketsToArchive(manager, new Date(now.getTime() - hours * 3_600_000))) {
      if (await inTransaction(manager, (tx) => archiveTicket(tx, ticket, now))) archived += 1;
    }
    return `archived ${archived}`;
  },
};
