import { t, type Locale } from '../../i18n';
import { csvDateTime, excelCsv, spreadsheetSafe, type Staff } from '../staff';
import type { Report } from './report.entity';

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
  const time = (at: Date | null) => csvDateTime(at, options.timeZone);
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
      spreadsheetSafe(report.category),
      t(locale, `report.status.${report.status}`),
      spreadsheetSafe(options.areaName(report.areaId)),
      spreadsheetSafe(reporter?.name ?? ''),
      spreadsheetSafe(reporter?.staffNo ?? ''),
      time(report.createdAt),
      time(report.closedAt),
      hours,
      report.resolution ? t(locale, `report.resolution.${report.resolution}`) : '',
      report.resolutionValue === null ? '' : String(report.resolutionValue),
      spreadsheetSafe(report.description.replace(/\s+/g, ' ')),
    ];
  });
  return excelCsv([header, ...rows]);
}
