/**
 * The monthly points (积分月度汇总) as files for the evaluation: CSV for Excel (UTF-8 with BOM, text cells
 * made spreadsheet-safe) and an Excel workbook whose figures are numbers, so managers can sort and sum.
 */
import { t, type Locale, type MessageKey } from '../../i18n';
import { singleSheetWorkbook } from '../../spreadsheet';
import { excelCsv, spreadsheetSafe } from '../staff';
import type { MonthlyPoints, MonthlyPointsRow } from './points.report';

const COLUMNS: readonly MessageKey[] = [
  'points.sheet.name',
  'points.sheet.staffNo',
  'points.sheet.department',
  'points.sheet.quizPoints',
  'points.sheet.reportPoints',
  'points.sheet.total',
  'points.sheet.rank',
];

/** The column headings in `locale`. */
export function pointsSheetHeader(locale: Locale): string[] {
  return COLUMNS.map((key) => t(locale, key));
}

const figures = (row: MonthlyPointsRow) => [row.quizPoints, row.reportPoints, row.total, row.rank];

/** The month's points as CSV for Excel. */
export function pointsCsv(report: MonthlyPoints, locale: Locale): string {
  return excelCsv([
    pointsSheetHeader(locale),
    ...report.rows.map((row) => [
      spreadsheetSafe(row.name),
      spreadsheetSafe(row.staffNo),
      spreadsheetSafe(row.department),
      ...figures(row).map(String),
    ]),
  ]);
}

/** The month's points as an Excel workbook (.xlsx): one sheet named after the month, figures as numbers. */
export function pointsWorkbook(report: MonthlyPoints, locale: Locale): Promise<Buffer> {
  return singleSheetWorkbook({
    name: report.month,
    header: pointsSheetHeader(locale),
    rows: report.rows.map((row) => [row.name, row.staffNo, row.department, ...figures(row)]),
  });
}
