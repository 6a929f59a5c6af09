import type { z } from 'zod';

/** Arrow values as plain JSON-like values: lists become arrays, 64-bit integers numbers. */
function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { toArray?: unknown }).toArray === 'function') {
    return Array.from((value as { toArray(): ArrayLike<unknown> }).toArray(), plainValue);
  }
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

/**
 * The one conversion from a LanceDB row to a plain object. Columns LanceDB adds (`_distance`,
 * `_score`, `_relevance_score`, `_rowid`) are dropped here; search reads its score before this.
 */
export function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (!key.startsWith('_')) out[key] = plainValue(value);
  return out;
}

/** Parses rows read from a table once, with the table's zod row schema: a malformed row is an error. */
export function parseRows<S extends z.ZodType>(schema: S, rows: Record<string, unknown>[], table: string): z.infer<S>[] {
  return rows.map((row) => {
    const parsed = schema.safeParse(plainRow(row));
    if (!parsed.success)
      throw new Error(`the store's "${table}" table holds a malformed row: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data;
  });
}
