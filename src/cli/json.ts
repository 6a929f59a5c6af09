/**
 * The one JSON surface of the CLI: every `--json` output goes through printJson, which writes object
 * keys in snake_case, as the MCP tools and the store rows already are. Internal types keep TypeScript's
 * camelCase; converting here, at the one output boundary, means no command can forget and no type
 * needs a snake_case twin. Only lowerCamel identifiers are rewritten: keys that are names of things
 * (environment variables such as CLEARANCE_HOME) pass unchanged. Outputs therefore never key a map
 * by a user-chosen name (a source or class id); they list `{ source, … }` objects instead.
 */

const LOWER_CAMEL = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$/;

/** `tableVersion` → `table_version`; every other key as it is. */
export function snakeCase(key: string): string {
  return LOWER_CAMEL.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key;
}

/** JSON.stringify replacer: called after toJSON (dates are strings by then), once per object, before its children. */
function snakeKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeCase(k), v]));
}

/** The JSON text of an output value, keys in snake_case: indented, or one line (for JSON Lines streams). */
export function toJson(value: unknown, { oneLine = false } = {}): string {
  return JSON.stringify(value, snakeKeys, oneLine ? undefined : 2);
}

/** Prints an output value as JSON (keys in snake_case) on stdout. */
export function printJson(value: unknown, options: { oneLine?: boolean } = {}): void {
  process.stdout.write(`${toJson(value, options)}\n`);
}
