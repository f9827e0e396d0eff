import { t, type Locale } from '../../i18n';
import { formatCsv, type Staff } from '../staff';
import type { Report } from './report.entity';

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with an apostrophe:
 * descriptions are typed by engineers and the export is opened in Excel by managers.
 */
function inert(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** The reports as CSV for managers (UTF-8 with BOM so Excel reads the Chinese text), one row each. */
export function reportsCsv(
  reports: readonly Report[],
  options: {
    readonly locale: Locale;
    readonly timeZone: string;
    readonly people: ReadonlyMap<number, Staff>;
    readonly areaName: (areaId: number | null) => string;
  },
): string {
  const { locale } = options;
  const time = (at: Date | null) =>
    at
      ? new Intl.DateTimeFormat('sv-SE', {
          timeZone: options.timeZone,
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
        }).format(at)
      : '';
  const header = [
    'refNo',
    'kind',
    'category',
    'status',
    'area',
    'reporter',
    'reporterStaffNo',
    'createdAt',
    'closedAt',
    'hoursToClose',
    'resolution',
    'value',
    'description',
  ].map((column) => t(locale, `web.report.csv.${column}` as 'web.report.csv.refNo'));
  const rows = reports.map((report) => {
    const reporter = options.people.get(report.reporterId);
    const hours =
      report.closedAt === null
        ? ''
        : ((report.closedAt.getTime() - report.createdAt.getTime()) / 3_600_000).toFixed(1);
    return [
      report.refNo,
      t(locale, report.kind === 'hazard' ? 'report.kind.hazard' : 'report.kind.lead'),
      inert(report.category),
      t(locale, `report.status.${report.status}`),
      inert(options.areaName(report.areaId)),
      inert(reporter?.name ?? ''),
      inert(reporter?.staffNo ?? ''),
      time(report.createdAt),
      time(report.closedAt),
      hours,
      report.resolution ? t(locale, `report.resolution.${report.resolution}`) : '',
      report.resolutionValue === null ? '' : String(report.resolutionValue),
      inert(report.description.replace(/\s+/g, ' ')),
    ];
  });
  return `\ufeff${formatCsv([header, ...rows])}`;
}
