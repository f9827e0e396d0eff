import type { EntityManager } from 'typeorm';
import { t, type Locale } from '../../i18n';
import { csvDateTime, excelCsv, spreadsheetSafe, type Staff } from '../staff';
import type { Ticket } from './ticket.entity';
import { responders, ticketsCreatedBetween } from './ticket.queries';
import { countBy, distribution, type Distribution } from '../../statistics';
import { isoWeek } from '../../zoned-time';

export interface TicketStats {
  readonly total: number;
  readonly deflected: number;
  /** Deflected ÷ all (the handbook's share), 0..1; null with no tickets. */
  readonly deflectionRate: number | null;
  readonly byKind: ReadonlyArray<readonly [string, number]>;
  /** Tier-3 department escalated to (null: handled by tier 2 alone). */
  readonly byDepartment: ReadonlyArray<readonly [number | null, number]>;
  readonly byWeek: ReadonlyArray<readonly [string, number]>;
  /** Minutes from asking to the first answer, and to resolution (wall-clock). */
  readonly firstResponseMinutes: Distribution;
  readonly resolutionMinutes: Distribution;
  /** Share of tickets that met their due time, of those that reached it or were done; null if none. */
  readonly firstResponseCompliance: number | null;
  readonly resolutionCompliance: number | null;
  /** Tickets each person answered or resolved. */
  readonly workload: ReadonlyArray<readonly [number, number]>;
}

/** Compliance: met ÷ (met + missed), counting only tickets whose outcome is known at `now`. */
function compliance(
  tickets: readonly Ticket[],
  doneAt: (ticket: Ticket) => Date | null,
  dueAt: (ticket: Ticket) => Date,
  now: Date,
) {
  let met = 0;
  let missed = 0;
  for (const ticket of tickets) {
    const done = doneAt(ticket);
    const due = dueAt(ticket).getTime();
    if (done !== null) {
      if (done.getTime() <= due) met += 1;
      else missed += 1;
    } else if (due < now.getTime() && ticket.slaPausedAt === null) missed += 1;
  }
  return met + missed === 0 ? null : met / (met + missed);
}

/** The managers' figures over the tickets created in [from, to). */
export async function ticketStats(
  manager: EntityManager,
  options: { readonly from: Date; readonly to: Date; readonly now: Date; readonly timeZone: string },
): Promise<{ stats: TicketStats; tickets: Ticket[]; answeredBy: Map<number, number[]> }> {
  const tickets = await ticketsCreatedBetween(manager, options.from, options.to);
  const served = tickets.filter((ticket) => ticket.status !== 'deflected');
  const minutes = (from: Date, to: Date | null) =>
    to === null ? [] : [(to.getTime() - from.getTime()) / 60_000];
  const answeredBy = await responders(
    manager,
    served.map((ticket) => ticket.id),
  );
  const workload = new Map<number, number>();
  for (const people of answeredBy.values())
    for (const id of people) workload.set(id, (workload.get(id) ?? 0) + 1);
  const deflected = tickets.length - served.length;
  return {
    tickets,
    answeredBy,
    stats: {
      total: tickets.length,
      deflected,
      deflectionRate: tickets.length === 0 ? null : deflected / tickets.length,
      byKind: countBy(served, (ticket) => ticket.kind),
      byDepartment: countBy(served, (ticket) => ticket.departmentId),
      byWeek: countBy(served, (ticket) => isoWeek(ticket.createdAt, options.timeZone)).sort((a, b) =>
        a[0].localeCompare(b[0]),
      ),
      firstResponseMinutes: distribution(
        served.flatMap((ticket) => minutes(ticket.createdAt, ticket.firstResponseAt)),
      ),
      resolutionMinutes: distribution(
        served.flatMap((ticket) => minutes(ticket.createdAt, ticket.resolvedAt)),
      ),
      firstResponseCompliance: compliance(
        served,
        (ticket) => ticket.firstResponseAt,
        (ticket) => ticket.firstResponseDueAt,
        options.now,
      ),
      resolutionCompliance: compliance(
        served,
        (ticket) => ticket.resolvedAt,
        (ticket) => ticket.resolutionDueAt,
        options.now,
      ),
      workload: [...workload].sort((a, b) => b[1] - a[1]),
    },
  };
}

/** One row per ticket (UTF-8 with BOM for Excel). */
export function ticketsCsv(
  tickets: readonly Ticket[],
  options: {
    readonly locale: Locale;
    readonly timeZone: string;
    readonly people: ReadonlyMap<number, Staff>;
    readonly departmentName: (id: number | null) => string;
    readonly answeredBy: ReadonlyMap<number, readonly number[]>;
  },
): string {
  const { locale } = options;
  const time = (at: Date | null) => csvDateTime(at, options.timeZone);
  const minutes = (from: Date, to: Date | null) =>
    to === null ? '' : ((to.getTime() - from.getTime()) / 60_000).toFixed(1);
  const met = (done: Date | null, due: Date) =>
    done === null ? '' : done.getTime() <= due.getTime() ? 'Y' : 'N';
  const columns = [
    'refNo',
    'kind',
    'priority',
    'status',
    'reporter',
    'reporterStaffNo',
    'department',
    'handledBy',
    'createdAt',
    'firstResponseAt',
    'firstResponseMinutes',
    'firstResponseMet',
    'resolvedAt',
    'resolutionMinutes',
    'resolutionMet',
    'reopenCount',
    'orderNo',
    'question',
  ] as const;
  const header = columns.map((column) => t(locale, `web.ticket.csv.${column}`));
  const rows = tickets.map((ticket) => {
    const reporter = options.people.get(ticket.reporterId);
    const handledBy = (options.answeredBy.get(ticket.id) ?? [])
      .map((id) => options.people.get(id)?.staffNo ?? String(id))
      .join(' ');
    return [
      ticket.refNo,
      t(locale, `ticket.kind.${ticket.kind}`),
      t(locale, `ticket.priority.${ticket.priority}`),
      t(locale, `ticket.status.${ticket.status}`),
      spreadsheetSafe(reporter?.name ?? ''),
      spreadsheetSafe(reporter?.staffNo ?? ''),
      spreadsheetSafe(options.departmentName(ticket.departmentId)),
      spreadsheetSafe(handledBy),
      time(ticket.createdAt),
      time(ticket.firstResponseAt),
      minutes(ticket.createdAt, ticket.firstResponseAt),
      met(ticket.firstResponseAt, ticket.firstResponseDueAt),
      time(ticket.resolvedAt),
      minutes(ticket.createdAt, ticket.resolvedAt),
      met(ticket.resolvedAt, ticket.resolutionDueAt),
      String(ticket.reopenCount),
      spreadsheetSafe(ticket.orderNo ?? ''),
      spreadsheetSafe(ticket.question.replace(/\s+/g, ' ')),
    ];
  });
  return excelCsv([header, ...rows]);
}
