/**
 * CSV as spreadsheets write it (RFC 4180): commas, quoted fields with "" escapes and line breaks, CRLF or
 * LF, an optional UTF-8 BOM. Small and strict, for roster files.
 */
export interface CsvRecord {
  /** 1-based line number where the record starts (what a person sees in a spreadsheet). */
  readonly line: number;
  readonly fields: string[];
}

/**
 * The text of a file's bytes read strictly as UTF-8 (a leading BOM dropped), or undefined if they are not
 * UTF-8: Excel's plain "CSV" is GBK on Chinese Windows, and decoding that leniently would import mojibake.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

export function parseCsv(text: string): CsvRecord[] {
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  for (let i = 0; i < input.length; i += 1) {
    const char = input[i];
    if (quoted) {
      if (char === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i += 1;
        } else {
          quoted = false;
        }
      } else {
        if (char === '\n') line += 1;
        field += char;
      }
      continue;
    }
    if (char === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
      fieldStarted = false;
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && input[i + 1] === '\n') i += 1;
      fields.push(field);
      if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
      fields = [];
      field = '';
      fieldStarted = false;
      line += 1;
      recordLine = line;
    } else {
      field += char;
      fieldStarted = true;
    }
  }
  if (quoted) throw new Error(`line ${recordLine}: a quoted field is not closed`);
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    records.push({ line: recordLine, fields });
  }
  return records;
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function formatCsv(rows: ReadonlyArray<readonly string[]>): string {
  return rows.map((row) => row.map(quote).join(',')).join('\r\n') + '\r\n';
}

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets an apostrophe in front: exports
 * carry text typed by engineers and are opened in Excel by managers.
 */
export function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** `YYYY-MM-DD HH:MM` in `timeZone` for CSV cells ('' for none): sortable and read by Excel as a date. */
export function csvDateTime(at: Date | null, timeZone: string): string {
  if (!at) return '';
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
}

/** A CSV document for Excel: UTF-8 with a BOM so Chinese text opens correctly. */
export function excelCsv(rows: ReadonlyArray<readonly string[]>): string {
  return `\ufeff${formatCsv(rows)}`;
}
