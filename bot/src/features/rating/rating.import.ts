/**
 * Tickets handled outside Fieldline, imported as archived so that they are rated the same way
 * (`fieldline tickets:import`). Like the roster: every row is checked first — its fields, then its staff
 * numbers against the roster and its ticket number against earlier imports — and every error is listed
 * with its row; the caller imports nothing while any row is bad unless it chooses to skip bad rows.
 */
import { In, type EntityManager } from 'typeorm';
import type { MessageKey, MessageParams } from '../../i18n';
import { clockMinutes, parseLocalDay, zonedInstant } from '../../zoned-time';
import { parseCsv, Staff, type Role } from '../staff';
import { ImportedTicket } from './imported-ticket.entity';

export const TICKET_IMPORT_HEADER = [
  'ticket_no',
  'kind',
  'engineer_staff_no',
  'tier2_staff_no',
  'tier3_staff_no',
  'summary',
  'archived_at',
] as const;
const TICKET_NO = /^[A-Za-z0-9_-]{1,60}$/;
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})[ T]([01]\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?$/;
const CHUNK = 500;

/** A valid row, its staff resolved to ids. */
export interface ImportedTicketRow {
  readonly row: number;
  readonly ticketNo: string;
  readonly kind: 'question' | 'support';
  readonly engineerId: number;
  readonly tier2Id: number | null;
  readonly tier3Id: number | null;
  readonly summary: string;
  readonly archivedAt: Date;
}

/** A problem with one row, as a catalog message. */
export interface TicketImportError {
  readonly row: number;
  readonly key: MessageKey;
  readonly params: MessageParams;
}

interface ParsedFields {
  readonly row: number;
  readonly ticketNo: string;
  readonly kind: 'question' | 'support';
  readonly staffNos: readonly [string, string, string];
  readonly summary: string;
  readonly archivedAt: Date;
}

function parseFields(
  row: number,
  fields: readonly string[],
  timeZone: string,
): ParsedFields | TicketImportError[] {
  if (fields.length !== TICKET_IMPORT_HEADER.length)
    return [
      {
        row,
        key: 'rating.import.error.columns',
        params: { expected: TICKET_IMPORT_HEADER.length, found: fields.length },
      },
    ];
  const errors: TicketImportError[] = [];
  const problem = (key: MessageKey, params: MessageParams = {}) => errors.push({ row, key, params });
  const [rawTicketNo = '', kind = '', engineer = '', tier2 = '', tier3 = '', summary = '', archived = ''] =
    fields.map((field) => field.trim());
  // Upper-cased: MySQL compares case-insensitively and SQLite does not; one spelling makes both agree.
  const ticketNo = rawTicketNo.toUpperCase();
  if (!TICKET_NO.test(ticketNo)) problem('rating.import.error.ticketNo', { value: ticketNo });
  if (kind !== 'question' && kind !== 'support') problem('rating.import.error.kind', { value: kind });
  if (engineer === '') problem('rating.import.error.staff', { value: '-' });
  if (tier2 === '' && tier3 === '') problem('rating.import.error.noSupport');
  if (summary === '' || summary.length > 255) problem('rating.import.error.summary');
  const time = LOCAL_TIME.exec(archived);
  const day = time ? parseLocalDay(time[1] ?? '', timeZone) : undefined;
  if (!time || !day) problem('rating.import.error.archivedAt', { value: archived });
  if (errors.length > 0 || !time) return errors;
  return {
    row,
    ticketNo,
    kind: kind as 'question' | 'support',
    staffNos: [engineer, tier2, tier3],
    summary,
    archivedAt: zonedInstant(time[1] ?? '', clockMinutes(`${time[2]}:${time[3]}`), timeZone),
  };
}

/** Which roles may stand in each staff column. */
const COLUMN_ROLES: readonly (readonly Role[])[] = [['engineer'], ['tier2', 'admin'], ['tier3']];

/**
 * Checks a whole import file: fields (archived_at is local time in `timeZone`), duplicates within the
 * file, staff numbers on the roster with the right role, and ticket numbers not imported before.
 */
export async function checkTicketImport(props: {
  readonly manager: EntityManager;
  readonly text: string;
  readonly timeZone: string;
}): Promise<{ rows: ImportedTicketRow[]; errors: TicketImportError[] }> {
  let records;
  try {
    records = parseCsv(props.text);
  } catch (error) {
    return {
      rows: [],
      errors: [{ row: 0, key: 'rating.import.error.csv', params: { detail: (error as Error).message } }],
    };
  }
  const [header, ...body] = records;
  const expected = TICKET_IMPORT_HEADER.join(',');
  if (!header || header.fields.map((field) => field.trim().toLowerCase()).join(',') !== expected)
    return {
      rows: [],
      errors: [{ row: 1, key: 'rating.import.error.header', params: { header: expected } }],
    };

  const errors: TicketImportError[] = [];
  const parsed: ParsedFields[] = [];
  const seen = new Map<string, number>();
  for (const record of body) {
    const result = parseFields(record.line, record.fields, props.timeZone);
    if (Array.isArray(result)) {
      errors.push(...result);
      continue;
    }
    const earlier = seen.get(result.ticketNo);
    if (earlier !== undefined) {
      errors.push({
        row: record.line,
        key: 'rating.import.error.duplicate',
        params: { ticketNo: result.ticketNo, row: earlier },
      });
      continue;
    }
    seen.set(result.ticketNo, record.line);
    parsed.push(result);
  }

  const staffNos = [...new Set(parsed.flatMap((row) => row.staffNos.filter(Boolean)))];
  const staff = new Map<string, Staff>();
  const imported = new Set<string>();
  for (let i = 0; i < staffNos.length; i += CHUNK)
    for (const person of await props.manager.findBy(Staff, { staffNo: In(staffNos.slice(i, i + CHUNK)) }))
      staff.set(person.staffNo, person);
  const ticketNos = parsed.map((row) => row.ticketNo);
  for (let i = 0; i < ticketNos.length; i += CHUNK)
    for (const ticket of await props.manager.findBy(ImportedTicket, {
      ticketNo: In(ticketNos.slice(i, i + CHUNK)),
    }))
      imported.add(ticket.ticketNo);

  const rows: ImportedTicketRow[] = [];
  for (const row of parsed) {
    const before = errors.length;
    if (imported.has(row.ticketNo))
      errors.push({ row: row.row, key: 'rating.import.error.exists', params: { ticketNo: row.ticketNo } });
    const ids = row.staffNos.map((staffNo, column) => {
      if (staffNo === '') return null;
      const person = staff.get(staffNo);
      if (!person) {
        errors.push({ row: row.row, key: 'rating.import.error.staff', params: { value: staffNo } });
        return null;
      }
      const roles = COLUMN_ROLES[column] ?? [];
      if (!roles.includes(person.role))
        errors.push({
          row: row.row,
          key: 'rating.import.error.role',
          params: { value: staffNo, role: person.role, expected: roles.join('/') },
        });
      return person.id;
    });
    if (errors.length > before) continue;
    rows.push({
      row: row.row,
      ticketNo: row.ticketNo,
      kind: row.kind,
      engineerId: ids[0] ?? 0,
      tier2Id: ids[1] ?? null,
      tier3Id: ids[2] ?? null,
      summary: row.summary,
      archivedAt: row.archivedAt,
    });
  }
  errors.sort((a, b) => a.row - b.row);
  return { rows, errors };
}

/**
 * Stores checked rows as archived imported tickets (call inside a transaction). The daily rating job
 * then makes their tasks like any archived ticket's, if they were archived within its look-back window.
 */
export async function importTickets(props: {
  readonly manager: EntityManager;
  readonly rows: readonly ImportedTicketRow[];
  readonly now: Date;
}): Promise<number> {
  for (let i = 0; i < props.rows.length; i += CHUNK)
    await props.manager.insert(
      ImportedTicket,
      props.rows.slice(i, i + CHUNK).map((row) => ({
        ticketNo: row.ticketNo,
        kind: row.kind,
        engineerId: row.engineerId,
        tier2Id: row.tier2Id,
        tier3Id: row.tier3Id,
        summary: row.summary,
        archivedAt: row.archivedAt,
        importedAt: props.now,
      })),
    );
  return props.rows.length;
}
