import type { ParsedDoc } from '../document.js';
import { locatedDoc, UnreadableFile, type BinaryInput, type ParsedFile } from './located.js';

/** A row as `header: value` lines (the first non-empty row of a sheet is its header). */
export function recordText(headers: readonly string[], values: readonly string[]): string {
  return values
    .map((v, i) => [headers[i]?.trim() || `column ${i + 1}`, v.trim()] as const)
    .filter(([, v]) => v !== '')
    .map(([h, v]) => `${h}: ${v}`)
    .join('\n');
}

/**
 * An Excel workbook through ExcelJS: one document per data row (`book.xlsx#sheet=Risks&row=4`), its
 * cells as `header: value` lines under the sheet's header row, so a citation names sheet and row.
 */
export async function parseXlsx(input: BinaryInput): Promise<ParsedFile> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(input.bytes as unknown as ArrayBuffer);
  } catch (err) {
    throw new UnreadableFile(`not a readable XLSX (${(err as Error).message})`);
  }
  const docs: ParsedDoc[] = [];
  for (const sheet of workbook.worksheets) {
    let headers: string[] | null = null;
    sheet.eachRow({ includeEmpty: false }, (row) => {
      const values: string[] = [];
      row.eachCell({ includeEmpty: true }, (cell, col) => (values[col - 1] = cell.text ?? ''));
      const cells = Array.from(values, (v) => v ?? '');
      if (!headers) {
        headers = cells;
        return;
      }
      const text = recordText(headers, cells);
      if (!text) return;
      const part = `sheet=${encodeURIComponent(sheet.name)}&row=${row.number}`;
      docs.push(locatedDoc(input, part, `sheet ${sheet.name}, row ${row.number}`, text));
    });
  }
  if (docs.length === 0) throw new UnreadableFile('no data rows in any sheet (the first row of a sheet is its header)');
  return { docs, skips: [] };
}
