/**
 * The monthly evaluation sheet (考核表): per support person, the ratings they received, how many of the
 * ratings they owed they gave, the tickets they handled, and one score combining the three with the
 * weights of the `rating.sheetWeights` setting. Exported as CSV (UTF-8 with BOM) and as an Excel workbook.
 */
import { And, LessThan, MoreThanOrEqual, type EntityManager } from 'typeorm';
import { t, type Locale } from '../../i18n';
import { singleSheetWorkbook } from '../../spreadsheet';
import { localMonthRange } from '../../zoned-time';
import { readSetting } from '../settings';
import { excelCsv, listDepartments, spreadsheetSafe, staffByIds } from '../staff';
import { ticketStats } from '../ticket';
import { ImportedTicket } from './imported-ticket.entity';
import type { RatingTask } from './rating-task.entity';
import { ratingTasksFor } from './rating.review';
import { sheetWeightsSetting } from './rating.review.settings';

export type SheetWeights = typeof sheetWeightsSetting.defaultValue;

/** One person's line; plain data so that it can travel in an outbox row to the monthly email. */
export interface SheetRow {
  readonly staffId: number;
  readonly staffNo: string;
  readonly name: string;
  readonly department: string;
  /** Ratings received on the desk's or a department's side (as tier 2 or tier 3). */
  readonly ratingsReceived: number;
  /** Mean stars received; null with none. */
  readonly averageStars: number | null;
  /** Ratings the person owed whose outcome is known (given, expired, or pending past expiry). */
  readonly ratingsOwed: number;
  readonly ratingsGiven: number;
  /** Given ÷ owed, 0..1; null when nothing was owed. */
  readonly responseRate: number | null;
  /** Fieldline tickets created in the month they answered or resolved, plus imported tickets they handled. */
  readonly ticketsHandled: number;
  /** 0–100, one decimal; null when no part applies. */
  readonly score: number | null;
}

export interface EvaluationSheet {
  /** `YYYY-MM`. */
  readonly month: string;
  readonly weights: SheetWeights;
  /** Highest score first (people without a score last), then by staff number. */
  readonly rows: readonly SheetRow[];
}

const SUPPORT_SIDES = new Set<number>([2, 3]);

/**
 * The score: each part scaled to 0..1 — stars as (average − 1) ÷ 4, the response rate as it is, tickets
 * as a share of the month's most — weighted, with parts the person has no figure for left out and the
 * remaining weights scaled to sum to 1; × 100, one decimal.
 */
function sheetScore(
  parts: { stars: number | null; responseRate: number | null; ticketsHandled: number | null },
  weights: SheetWeights,
): number | null {
  let weighted = 0;
  let total = 0;
  const add = (value: number | null, weight: number) => {
    if (value === null || weight === 0) return;
    weighted += value * weight;
    total += weight;
  };
  add(parts.stars === null ? null : (parts.stars - 1) / 4, weights.stars);
  add(parts.responseRate, weights.responseRate);
  add(parts.ticketsHandled, weights.ticketsHandled);
  return total === 0 ? null : Math.round((weighted / total) * 1000) / 10;
}

/** Builds the sheet of `month` (`YYYY-MM`, local) as known at `now`. */
export async function evaluationSheet(
  manager: EntityManager,
  options: { readonly month: string; readonly now: Date; readonly timeZone: string },
): Promise<EvaluationSheet> {
  const { from, to } = localMonthRange(options.month, options.timeZone);
  const [tasks, weights, stats, imported, departments] = await Promise.all([
    ratingTasksFor(manager, { from, to }),
    readSetting(manager, sheetWeightsSetting),
    ticketStats(manager, { from, to, now: options.now, timeZone: options.timeZone }),
    manager.findBy(ImportedTicket, { archivedAt: And(MoreThanOrEqual(from), LessThan(to)) }),
    listDepartments(manager),
  ]);
  const handled = new Map<number, number>(stats.stats.workload.map(([id, count]) => [id, count]));
  for (const ticket of imported)
    for (const id of new Set([ticket.tier2Id, ticket.tier3Id]))
      if (id !== null) handled.set(id, (handled.get(id) ?? 0) + 1);

  const ids = new Set<number>(handled.keys());
  for (const task of tasks) {
    if (SUPPORT_SIDES.has(task.rateeSide)) ids.add(task.rateeStaffId);
    if (SUPPORT_SIDES.has(task.raterSide)) ids.add(task.raterStaffId);
  }
  const people = await staffByIds(manager, [...ids]);
  const mostHandled = Math.max(0, ...handled.values());
  const departmentName = (id: number | null) =>
    id === null ? '' : (departments.find((department) => department.id === id)?.name ?? String(id));
  // Each task filed once under its ratee and its rater: one pass, not one scan of every task per person.
  const receivedBy = new Map<number, RatingTask[]>();
  const owedBy = new Map<number, RatingTask[]>();
  const file = (map: Map<number, RatingTask[]>, id: number, task: RatingTask) => {
    const list = map.get(id) ?? [];
    list.push(task);
    map.set(id, list);
  };
  for (const task of tasks) {
    if (SUPPORT_SIDES.has(task.rateeSide) && task.status === 'rated' && task.stars !== null)
      file(receivedBy, task.rateeStaffId, task);
    if (
      SUPPORT_SIDES.has(task.raterSide) &&
      (task.status !== 'pending' || task.expiresAt.getTime() <= options.now.getTime())
    )
      file(owedBy, task.raterStaffId, task);
  }
  const rows = [...ids].map((staffId): SheetRow => {
    const received = receivedBy.get(staffId) ?? [];
    const owed = owedBy.get(staffId) ?? [];
    const given = owed.filter((task) => task.status === 'rated').length;
    const averageStars =
      received.length === 0
        ? null
        : received.reduce((sum, task) => sum + (task.stars ?? 0), 0) / received.length;
    const responseRate = owed.length === 0 ? null : given / owed.length;
    const ticketsHandled = handled.get(staffId) ?? 0;
    const person = people.get(staffId);
    return {
      staffId,
      staffNo: person?.staffNo ?? String(staffId),
      name: person?.name ?? '',
      department: departmentName(person?.departmentId ?? null),
      ratingsReceived: received.length,
      averageStars,
      ratingsOwed: owed.length,
      ratingsGiven: given,
      responseRate,
      ticketsHandled,
      score: sheetScore(
        {
          stars: averageStars,
          responseRate,
          ticketsHandled: mostHandled === 0 ? null : ticketsHandled / mostHandled,
        },
        weights.value,
      ),
    };
  });
  rows.sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.staffNo.localeCompare(b.staffNo));
  return { month: options.month, weights: weights.value, rows };
}

const COLUMNS = [
  'staffNo',
  'name',
  'department',
  'ratingsReceived',
  'averageStars',
  'ratingsGiven',
  'ratingsOwed',
  'responseRate',
  'ticketsHandled',
  'score',
] as const;

/** The sheet's column headings in `locale`. */
export function sheetHeader(locale: Locale): string[] {
  return COLUMNS.map((column) => t(locale, `rating.sheet.${column}`));
}

/** Averages to two decimals and rates as percentages with one: what a manager reads in a cell. */
const twoDecimals = (value: number | null) => (value === null ? '' : value.toFixed(2));
const percent = (value: number | null) => (value === null ? '' : (value * 100).toFixed(1));

/** The sheet as text cells, in column order (names made spreadsheet-safe). */
export function sheetCells(row: SheetRow): string[] {
  return [
    spreadsheetSafe(row.staffNo),
    spreadsheetSafe(row.name),
    spreadsheetSafe(row.department),
    String(row.ratingsReceived),
    twoDecimals(row.averageStars),
    String(row.ratingsGiven),
    String(row.ratingsOwed),
    percent(row.responseRate),
    String(row.ticketsHandled),
    row.score === null ? '' : row.score.toFixed(1),
  ];
}

/** The sheet as CSV for Excel (UTF-8 with BOM); rates are percentages. */
export function sheetCsv(rows: readonly SheetRow[], locale: Locale): string {
  return excelCsv([sheetHeader(locale), ...rows.map(sheetCells)]);
}

/**
 * The sheet as an Excel workbook (.xlsx): figures are numbers (rates as 0..1 with a percent format), so
 * managers can sort and sum them; text cells are plain strings, never formulas.
 */
export function sheetWorkbook(sheet: EvaluationSheet, locale: Locale): Promise<Buffer> {
  return singleSheetWorkbook({
    name: sheet.month,
    header: sheetHeader(locale),
    rows: sheet.rows.map((row) => [
      row.staffNo,
      row.name,
      row.department,
      row.ratingsReceived,
      row.averageStars === null ? null : Math.round(row.averageStars * 100) / 100,
      row.ratingsGiven,
      row.ratingsOwed,
      row.responseRate,
      row.ticketsHandled,
      row.score,
    ]),
    formats: { 5: '0.00', 8: '0.0%', 10: '0.0' },
  });
}
