/**
 * One-sheet Excel workbooks (.xlsx) for the managers' monthly exports. The workbook's creation time is
 * fixed (so the same figures give the same file) and every cell is a plain value: exceljs writes a
 * formula only when handed one explicitly, so a name such as `=1+1` stays text.
 */
import { Workbook } from 'exceljs';

/** A cell: text, a number, or empty. */
export type SheetCell = string | number | null;

/**
 * A workbook with one sheet `name`: a bold, frozen header row, then `rows`. `formats` gives number
 * formats by 1-based column (e.g. `{ 8: '0.0%' }`); every column gets the same width.
 */
export async function singleSheetWorkbook(props: {
  readonly name: string;
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<readonly SheetCell[]>;
  readonly formats?: Readonly<Record<number, string>>;
  readonly columnWidth?: number;
}): Promise<Buffer> {
  const workbook = new Workbook();
  workbook.created = new Date(0);
  const worksheet = workbook.addWorksheet(props.name);
  worksheet.addRow([...props.header]).font = { bold: true };
  for (const row of props.rows) worksheet.addRow([...row]);
  for (const [column, format] of Object.entries(props.formats ?? {}))
    worksheet.getColumn(Number(column)).numFmt = format;
  worksheet.columns.forEach((column) => (column.width = props.columnWidth ?? 14));
  worksheet.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
