import { createHash } from 'node:crypto';

/** JSON with sorted keys and no whitespace: the form every record's hash is computed over. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** hash = sha256(prev_hash + canonical(record without its own hash and pino's stream tag `log`)). */
export function recordHash(record: Record<string, unknown>): string {
  const { hash: _hash, log: _log, ...rest } = record;
  return createHash('sha256').update(String(rest.prev_hash)).update(canonicalJson(rest)).digest('hex');
}
