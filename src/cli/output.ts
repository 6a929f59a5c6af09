import { inertLine } from '../views/inert.js';

/** Prints a user-facing error (no stack trace unless CLEARANCE_DEBUG is set) and exits non-zero. */
export function exitWithError(err: unknown): never {
  const message = err instanceof Error ? `${err.name === 'Error' ? 'error' : err.name}: ${err.message}` : String(err);
  process.stderr.write(`${message}\n`);
  if (process.env.CLEARANCE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

/**
 * Prints rows as an aligned plain-text table. Cells often hold agent- or document-supplied text
 * (reasons, purposes, titles), so every cell and header is made inert (src/views/inert.ts): one
 * row stays one line, and no escape sequence can recolour or overwrite another row. Widths are
 * measured on the escaped text, so columns stay aligned.
 */
export function printTable(rows: Record<string, string | number | boolean | null | undefined>[]): void {
  process.stdout.write(formatTable(rows));
}

/** The text printTable prints (empty for no rows). */
export function formatTable(rows: Record<string, string | number | boolean | null | undefined>[]): string {
  if (rows.length === 0) return '';
  const headers = Object.keys(rows[0]!).map(inertLine);
  const keys = Object.keys(rows[0]!);
  const cells = rows.map((row) => keys.map((h) => inertLine(String(row[h] ?? ''))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].map((l) => `${l}\n`).join('');
}

/** A comma-separated flag value as a list (undefined when the flag is absent). */
export function commaList(value: string | undefined): string[] | undefined {
  return value
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : undefined;
}
