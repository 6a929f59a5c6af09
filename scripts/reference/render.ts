/**
 * JSON Schema (as zod 4's `z.toJSONSchema` writes it) → the rows of a Markdown key table. Only the
 * subset zod emits is handled: objects, arrays, records, unions (anyOf), enums, literals, formats.
 */
import { z } from 'zod';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  pattern?: string;
  format?: string;
  minLength?: number;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  [key: string]: unknown;
}

export interface KeyRow {
  key: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** The published JSON Schema of a zod schema: the input side (what a file may say), dates as strings. */
export function jsonSchemaOf(schema: z.ZodType, meta: { id: string; title: string; description: string }): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      // YAML may parse an unquoted date as a Date; in the file it is a date string.
      if (ctx.zodSchema._zod.def.type === 'date') Object.assign(ctx.jsonSchema, { type: 'string', format: 'date' });
    },
  }) as JsonSchema;
  return { $schema: json.$schema, $id: meta.id, title: meta.title, description: meta.description, ...withoutKeys(json, ['$schema']) };
}

function withoutKeys(s: JsonSchema, keys: string[]): JsonSchema {
  return Object.fromEntries(Object.entries(s).filter(([k]) => !keys.includes(k))) as JsonSchema;
}

/** A short type text: `string`, `list of string (at least 1)`, `"flag" or "exclude"`, … */
export function typeText(s: JsonSchema): string {
  const variants = s.anyOf ?? s.oneOf;
  if (variants) return [...new Set(variants.map(typeText))].join(' or ');
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' or ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const type = Array.isArray(s.type) ? s.type.join(' or ') : s.type;
  const facts: string[] = [];
  if (s.format) facts.push(s.format);
  if (s.pattern) facts.push(`matching \`${s.pattern}\``);
  if (s.minLength !== undefined && s.minLength > 1) facts.push(`at least ${s.minLength} characters`);
  if (s.minItems !== undefined) facts.push(`at least ${s.minItems}`);
  if (s.minimum !== undefined && s.maximum !== undefined && s.maximum < MAX_SAFE) facts.push(`${s.minimum} to ${s.maximum}`);
  else if (s.minimum !== undefined) facts.push(`at least ${s.minimum}`);
  else if (s.maximum !== undefined && s.maximum < MAX_SAFE) facts.push(`at most ${s.maximum}`);
  const suffix = facts.length > 0 ? ` (${facts.join(', ')})` : '';
  if (type === 'array') return `list of ${s.items ? typeText(s.items) : 'any'}${suffix}`;
  if (type === 'object') {
    if (s.properties) return `object${suffix}`;
    const values = typeof s.additionalProperties === 'object' ? typeText(s.additionalProperties) : 'any';
    return `map of string to ${values}${suffix}`;
  }
  return `${type ?? 'any'}${suffix}`;
}

/** Every key of an object schema, nested ones as `a.b`, list items as `a[].b`, union members as alternatives. */
export function keyRows(s: JsonSchema, prefix = ''): KeyRow[] {
  const rows: KeyRow[] = [];
  const required = new Set(s.required ?? []);
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    const key = `${prefix}${name}`;
    rows.push({ key, type: typeText(prop), required: required.has(name), default: prop.default, description: prop.description ?? '' });
    rows.push(...nestedRows(prop, key));
  }
  return rows;
}

function nestedRows(prop: JsonSchema, key: string): KeyRow[] {
  if (prop.properties) return keyRows(prop, `${key}.`);
  if (prop.items?.properties) return keyRows(prop.items, `${key}[].`);
  const variants = (prop.anyOf ?? prop.oneOf ?? []).filter((v) => v.properties);
  return variants.flatMap((v) =>
    keyRows(v, `${key}.`).map((r) => ({ ...r, description: `${r.description}${r.description ? ' ' : ''}(one of the forms of \`${key}\`)` })),
  );
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** A Markdown table of the rows; `extra` adds columns (e.g. the environment variable of a config key). */
export function markdownTable(rows: KeyRow[], extra: { title: string; value: (row: KeyRow) => string }[] = []): string {
  const head = ['key', 'type', 'required', 'default', ...extra.map((e) => e.title), 'description'];
  const lines = rows.map((r) => [
    `\`${r.key}\``,
    r.type,
    r.required ? 'yes' : 'no',
    r.default === undefined ? '' : `\`${JSON.stringify(r.default)}\``,
    ...extra.map((e) => e.value(r)),
    r.description,
  ]);
  return [head, head.map(() => '---'), ...lines].map((cols) => `| ${cols.map(cell).join(' | ')} |`).join('\n');
}
