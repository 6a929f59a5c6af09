/**
 * LanceDB has no parameter binding, so every literal in a predicate goes through here.
 * Strings are single-quoted with quotes doubled (SQL standard; backslashes are literal in DataFusion).
 * Control characters are refused outright: no label or id legitimately contains them.
 */
export class UnsafeLiteralError extends Error {
  override name = 'UnsafeLiteralError';
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function sqlString(value: string): string {
  if (typeof value !== 'string') throw new UnsafeLiteralError('a filter value must be a string');
  if (CONTROL.test(value)) throw new UnsafeLiteralError('a filter value contains a control character');
  return `'${value.replaceAll("'", "''")}'`;
}

/** `('a', 'b')` for IN lists; callers must not pass an empty list (it would match nothing or fail). */
export function sqlStringList(values: readonly string[]): string {
  if (values.length === 0) throw new UnsafeLiteralError('an IN list needs at least one value');
  return `(${values.map(sqlString).join(', ')})`;
}

/** `['a', 'b']` array literal for array_has_any. */
export function sqlStringArray(values: readonly string[]): string {
  if (values.length === 0) throw new UnsafeLiteralError('an array literal needs at least one value');
  return `[${values.map(sqlString).join(', ')}]`;
}
