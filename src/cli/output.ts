/** Prints a user-facing error (no stack trace unless CLEARANCE_DEBUG is set) and exits non-zero. */
export function exitWithError(err: unknown): never {
  const message = err instanceof Error ? `${err.name === 'Error' ? 'error' : err.name}: ${err.message}` : String(err);
  process.stderr.write(`${message}\n`);
  if (process.env.CLEARANCE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

/** Prints rows as an aligned plain-text table. */
export function printTable(rows: Record<string, string | number | boolean | null | undefined>[]): void {
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0]!);
  const cells = rows.map((row) => headers.map((h) => String(row[h] ?? '')));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`${line(headers)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const c of cells) process.stdout.write(`${line(c)}\n`);
}
