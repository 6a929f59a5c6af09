import { sqlString, sqlStringArray, sqlStringList } from './sql.js';

declare const tableColumns: unique symbol;

/**
 * A LanceDB predicate over the columns `C` of one table. LanceDB takes predicates as SQL text with no
 * parameter binding, so this module is the only place that text is made: columns come from the
 * table's column union, and every value goes through the literal escaper in `sql.ts`.
 */
export type Predicate<C extends string> = string & { readonly [tableColumns]: C };

const COLUMN = /^[a-z_][a-z0-9_]*$/;

function column(name: string): string {
  if (!COLUMN.test(name)) throw new Error(`not a column name: ${JSON.stringify(name)}`);
  return name;
}

export interface Predicates<C extends string> {
  /** Every row (LanceDB wants an explicit predicate for a delete of everything). */
  all(): Predicate<C>;
  eq(col: C, value: string): Predicate<C>;
  /** `col` equals an integer (anything else is refused, never formatted into the text). */
  eqInt(col: C, value: number): Predicate<C>;
  /** `col` of the target side of a merge-insert equals `value`. */
  targetEq(col: C, value: string): Predicate<C>;
  /** An empty list matches nothing. */
  in(col: C, values: readonly string[]): Predicate<C>;
  /** An empty list excludes nothing. */
  notIn(col: C, values: readonly string[]): Predicate<C>;
  /** A list column shares at least one value with `values` (an empty list matches nothing). */
  hasAny(col: C, values: readonly string[]): Predicate<C>;
  isNull(col: C): Predicate<C>;
  isNotNull(col: C): Predicate<C>;
  and(...parts: Predicate<C>[]): Predicate<C>;
  or(...parts: Predicate<C>[]): Predicate<C>;
}

/** The predicate builder for one table, typed by that table's columns. */
export function predicatesFor<C extends string>(): Predicates<C> {
  const make = (sql: string) => sql as Predicate<C>;
  const join = (op: string, parts: Predicate<C>[], empty: string) => make(parts.length === 0 ? empty : parts.map((p) => `(${p})`).join(` ${op} `));
  return {
    all: () => make('true'),
    eq: (col, value) => make(`${column(col)} = ${sqlString(value)}`),
    eqInt: (col, value) => {
      if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${String(value)}`);
      return make(`${column(col)} = ${value}`);
    },
    targetEq: (col, value) => make(`target.${column(col)} = ${sqlString(value)}`),
    in: (col, values) => make(values.length === 0 ? 'false' : `${column(col)} IN ${sqlStringList(values)}`),
    notIn: (col, values) => make(values.length === 0 ? 'true' : `${column(col)} NOT IN ${sqlStringList(values)}`),
    hasAny: (col, values) => make(values.length === 0 ? 'false' : `array_has_any(${column(col)}, ${sqlStringArray(values)})`),
    isNull: (col) => make(`${column(col)} IS NULL`),
    isNotNull: (col) => make(`${column(col)} IS NOT NULL`),
    and: (...parts) => join('AND', parts, 'true'),
    or: (...parts) => join('OR', parts, 'false'),
  };
}
