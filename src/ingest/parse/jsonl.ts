import { z } from 'zod';
import { PrincipalSchema } from '../../labels/ids.js';
import type { CorpusManifest } from '../manifest.js';
import type { ParsedDoc, Skip } from '../document.js';

export const RecordIdSchema = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'record ids use letters, digits, "_", ".", ":" or "-"'));

/** One document per line; field names come from the manifest. Bad lines are skips naming the line. */
export function parseJsonl(raw: string, sourceId: string, relPath: string, fields: NonNullable<CorpusManifest['jsonl']>): { docs: ParsedDoc[]; skips: Skip[] } {
  const docs: ParsedDoc[] = [];
  const skips: Skip[] = [];
  const seen = new Set<string>();
  raw.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${relPath}:${index + 1}`;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
      if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new Error('not an object');
    } catch {
      skips.push({ path: where, reason: 'not a JSON object' });
      return;
    }
    const id = RecordIdSchema.safeParse(record[fields.id_field]);
    if (!id.success) return skips.push({ path: where, reason: `field "${fields.id_field}" (the id) is missing or invalid` });
    const text = record[fields.text_field];
    if (typeof text !== 'string' || text.trim() === '')
      return skips.push({ path: where, reason: `field "${fields.text_field}" (the text) is missing or empty` });
    if (seen.has(id.data)) return skips.push({ path: where, reason: `duplicate id "${id.data}" (the first one is kept)` });
    seen.add(id.data);
    let readAcl: string[] | undefined;
    if (fields.acl_field && record[fields.acl_field] !== undefined) {
      const acl = z.array(PrincipalSchema).min(1).safeParse(record[fields.acl_field]);
      if (!acl.success) return skips.push({ path: where, reason: `field "${fields.acl_field}" must be a non-empty list of principals` });
      readAcl = acl.data;
    }
    const title = fields.title_field && typeof record[fields.title_field] === 'string' ? (record[fields.title_field] as string) : id.data;
    const updated = fields.updated_field && typeof record[fields.updated_field] === 'string' ? (record[fields.updated_field] as string) : null;
    docs.push({ docId: `${sourceId}/${id.data}`, path: `${relPath}#${id.data}`, title, text, updatedAt: updated, readAcl, headings: [] });
  });
  return { docs, skips };
}
