import { inertLine } from '../views/inert.js';

/**
 * Prints a user-facing error as `clearance: <what>. <fix>` (one format for every command; the error
 * class and stack only with CLEARANCE_DEBUG) and exits non-zero. Messages may quote user input, so
 * the line is made inert.
 */
export function exitWithError(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  // Each line inert on its own: a policy error lists one problem per line.
  process.stderr.write(`clearance: ${message.split('\n').map(inertLine).join('\n  ')}\n`);
  if (process.env.CLEARANCE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.name}\n${err.stack}\n`);
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
