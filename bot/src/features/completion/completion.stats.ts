import type { EntityManager } from 'typeorm';
import { t, type Locale } from '../../i18n';
import { countBy, distribution, type Distribution } from '../../statistics';
import { localDay } from '../../zoned-time';
import { csvDateTime, excelCsv, spreadsheetSafe, type Staff } from '../staff';
import type { CompletionRequest } from './completion.entity';
import { completionsCreatedBetween } from './completion.queries';

export interface CompletionStats {
  readonly total: number;
  readonly completed: number;
  readonly rejected: number;
  readonly open: number;
  readonly powerFlagged: number;
  readonly resubmissions: number;
  /** Requests per local day, in day order. */
  readonly byDay: ReadonlyArray<readonly [string, number]>;
  readonly byBusinessType: ReadonlyArray<readonly [string, number]>;
  /** Minutes from submission to claim, from claim to decision, and from submission to decision. */
  readonly toClaimMinutes: Distribution;
  readonly claimToDecisionMinutes: Distribution;
  readonly toDecisionMinutes: Distribution;
  /** Requests each person decided: [staff id, completed, rejected], most first. */
  readonly throughput: ReadonlyArray<readonly [number, number, number]>;
  readonly rejectReasons: ReadonlyArray<readonly [string, number]>;
}

const minutesBetween = (from: Date | null, to: Date | null): number[] =>
  from === null || to === null ? [] : [(to.getTime() - from.getTime()) / 60_000];

/** The figures for managers and the desk over the requests submitted in [from, to). */
export async function completionStats(
  manager: EntityManager,
  options: { readonly from: Date; readonly to: Date; readonly timeZone: string },
): Promise<{ stats: CompletionStats; requests: CompletionRequest[] }> {
  const requests = await completionsCreatedBetween(manager, options.from, options.to);
  const perPerson = new Map<number, [number, number]>();
  for (const request of requests) {
    if (request.decidedByStaffId === null) continue;
    const counts = perPerson.get(request.decidedByStaffId) ?? [0, 0];
    counts[request.status === 'completed' ? 0 : 1] += 1;
    perPerson.set(request.decidedByStaffId, counts);
  }
  const rejected = requests.filter((request) => request.status === 'rejected');
  return {
    requests,
    stats: {
      total: requests.length,
      completed: requests.filter((request) => request.status === 'completed').length,
      rejected: rejected.length,
      open: requests.filter((request) => request.status === 'pending' || request.status === 'claimed').length,
      powerFlagged: requests.filter((request) => request.isPowerOutOfRange).length,
      resubmissions: requests.filter((request) => request.resubmissionOfId !== null).length,
      byDay: countBy(requests, (request) => localDay(request.createdAt, options.timeZone)).sort((a, b) =>
        a[0].localeCompare(b[0]),
      ),
      byBusinessType: countBy(requests, (request) => request.businessType),
      toClaimMinutes: distribution(
        requests.flatMap((request) => minutesBetween(request.createdAt, request.claimedAt)),
      ),
      claimToDecisionMinutes: distribution(
        requests.flatMap((request) => minutesBetween(request.claimedAt, request.decidedAt)),
      ),
      toDecisionMinutes: distribution(
        requests.flatMap((request) => minutesBetween(request.createdAt, request.decidedAt)),
      ),
      throughput: [...perPerson]
        .map(([id, [done, sentBack]]) => [id, done, sentBack] as const)
        .sort((a, b) => b[1] + b[2] - (a[1] + a[2])),
      rejectReasons: countBy(rejected, (request) => request.rejectReason ?? ''),
    },
  };
}

/** One row per request (UTF-8 with BOM for Excel; formula-like cells neutralised). */
export function completionsCsv(
  requests: readonly CompletionRequest[],
  options: {
    readonly locale: Locale;
    readonly timeZone: string;
    readonly people: ReadonlyMap<number, Staff>;
    /** Reference numbers of the requests resubmitted by others (id → refNo). */
    readonly refNoOf: (id: number | null) => string;
  },
): string {
  const { locale } = options;
  const time = (at: Date | null) => csvDateTime(at, options.timeZone);
  const minutes = (from: Date | null, to: Date | null) =>
    from === null || to === null ? '' : ((to.getTime() - from.getTime()) / 60_000).toFixed(1);
  const columns = [
    'refNo',
    'orderNo',
    'businessType',
    'status',
    'engineer',
    'engineerStaffNo',
    'serials',
    'opticalPower',
    'powerFlag',
    'resubmissionOf',
    'createdAt',
    'claimedAt',
    'decidedAt',
    'minutesToClaim',
    'minutesToDecision',
    'decidedBy',
    'rejectReason',
    'resultNote',
  ] as const;
  const header = columns.map((column) => t(locale, `web.completion.csv.${column}`));
  const rows = requests.map((request) => {
    const engineer = options.people.get(request.reporterId);
    const decidedBy =
      request.decidedByStaffId === null ? undefined : options.people.get(request.decidedByStaffId);
    return [
      request.refNo,
      spreadsheetSafe(request.orderNo),
      spreadsheetSafe(request.businessType),
      t(locale, `completion.status.${request.status}`),
      spreadsheetSafe(engineer?.name ?? ''),
      spreadsheetSafe(engineer?.staffNo ?? ''),
      spreadsheetSafe(request.serials.join(' ')),
      request.opticalPowerDbm === null ? '' : request.opticalPowerDbm.toFixed(1),
      request.isPowerOutOfRange ? 'Y' : '',
      options.refNoOf(request.resubmissionOfId),
      time(request.createdAt),
      time(request.claimedAt),
      time(request.decidedAt),
      minutes(request.createdAt, request.claimedAt),
      minutes(request.createdAt, request.decidedAt),
      spreadsheetSafe(decidedBy?.staffNo ?? ''),
      spreadsheetSafe(request.rejectReason ?? ''),
      spreadsheetSafe((request.resultNote ?? '').replace(/\s+/g, ' ')),
    ];
  });
  return excelCsv([header, ...rows]);
}
