import { z } from 'zod';
import { snakeCase } from '../../src/cli/json.js';

/** `docsEmbedded` → `docs_embedded`, at the type level (what src/cli/json.ts does to the text). */
type Snake<S extends string> = S extends `${infer Head}${infer Tail}` ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${Snake<Tail>}` : S;
export type SnakeKeys<T> = T extends readonly (infer E)[]
  ? SnakeKeys<E>[]
  : T extends object
    ? { [K in keyof T as K extends string ? Snake<K> : K]: SnakeKeys<T[K]> }
    : T;

/**
 * The contract of a command's `--json`: its zod schema with every object key in snake_case, and
 * strict, so a key the CLI left in camelCase (or any key the schema does not name) fails the parse.
 */
export function snakeSchema(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject)
    return z.strictObject(Object.fromEntries(Object.entries(schema.shape as Record<string, z.ZodType>).map(([k, v]) => [snakeCase(k), snakeSchema(v)])));
  if (schema instanceof z.ZodArray) return z.array(snakeSchema(schema.element as z.ZodType));
  if (schema instanceof z.ZodNullable) return snakeSchema(schema.unwrap() as z.ZodType).nullable();
  if (schema instanceof z.ZodOptional) return snakeSchema(schema.unwrap() as z.ZodType).optional();
  return schema;
}

/** A command's `--json` stdout, parsed against its schema's snake_case contract. */
export function parseCliJson<S extends z.ZodType>(schema: S, stdout: string): SnakeKeys<z.infer<S>> {
  return snakeSchema(schema).parse(JSON.parse(stdout)) as SnakeKeys<z.infer<S>>;
}
