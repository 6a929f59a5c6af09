import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodError } from '../../config/errors.js';
import { IdSchema, PrincipalSchema } from '../../labels/ids.js';
import type { ParsedDoc } from '../document.js';

export const FrontMatterSchema = z
  .object({
    title: z.string().min(1).optional().describe('Document title (default: the first heading, else the file path).'),
    updated: z
      .union([z.string(), z.date()])
      .transform((v) => (v instanceof Date ? v.toISOString() : v))
      .optional()
      .describe("When the document was last updated (ISO date); freshness counts from it (default: the file's modification time)."),
    read_acl: z.array(PrincipalSchema).min(1).optional().describe("A narrower read_acl for this document (a subset of its source's readers)."),
    data_class: IdSchema.optional().describe("A narrower data class for this document (its possible readers a subset of the source class's)."),
  })
  .strict();

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;

export function markdownHeadings(text: string): ParsedDoc['headings'] {
  const headings: ParsedDoc['headings'] = [];
  for (const match of text.matchAll(/^(#{1,6})[ \t]+(.+)$/gm)) {
    headings.push({ offset: match.index, level: match[1]!.length, text: match[2]!.trim() });
  }
  return headings;
}

/** Markdown with optional YAML front matter; the document text is the body after it. */
export function parseMarkdown(raw: string, docId: string, relPath: string): ParsedDoc {
  const match = FRONT_MATTER.exec(raw);
  let front: z.infer<typeof FrontMatterSchema> = {};
  if (match) {
    let data: unknown;
    try {
      data = parseYaml(match[1]!);
    } catch (err) {
      throw new Error(`front matter is not valid YAML (${(err as Error).message})`);
    }
    const parsed = FrontMatterSchema.safeParse(data ?? {});
    if (!parsed.success) throw new Error(formatZodError(parsed.error, 'front matter'));
    front = parsed.data;
  }
  const text = match ? raw.slice(match[0].length) : raw;
  const headings = markdownHeadings(text);
  return {
    docId,
    path: relPath,
    title: front.title ?? headings[0]?.text ?? relPath,
    text,
    updatedAt: front.updated ?? null,
    readAcl: front.read_acl,
    dataClass: front.data_class,
    headings,
  };
}
