import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { PrincipalSchema } from '../../labels/ids.js';
import type { ParsedDoc, Skip } from '../document.js';
import type { CorpusManifest } from '../manifest.js';
import { locatedDoc, UnreadableFile, type ParsedFile } from './located.js';
import { recordText } from './xlsx.js';

const RecordIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'record ids use letters, digits, "_", ".", ":" or "-"');
const AclSchema = z.array(PrincipalSchema).min(1);

/**
 * A CSV file through csv-parse: one document per row, fields named by the manifest's `csv` mapping
 * (like JSON Lines), so a row's ACL column narrows that row. The id is the id column's value
 * (`source/file.csv#<id>`); the location is the row number, header being row 1 (`row 4`). Bad rows
 * are skips naming the row.
 */
export function parseCsv(raw: string, sourceId: string, relPath: string, fields: CorpusManifest['csv']): ParsedFile {
  if (!fields) throw new UnreadableFile('a CSV file needs a "csv" mapping in corpus.yaml (id_field, text_field)');
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(raw, { columns: true, bom: true, skip_empty_lines: true, trim: true, info: true, delimiter: fields.delimiter }) as typeof rows;
  } catch (err) {
    throw new UnreadableFile(`not a readable CSV (${(err as Error).message})`);
  }
  const docs: ParsedDoc[] = [];
  const skips: Skip[] = [];
  const seen = new Set<string>();
  const textFields = typeof fields.text_field === 'string' ? [fields.text_field] : fields.text_field;
  rows.forEach(({ record }, index) => {
    const rowNumber = index + 2;
    const where = `${relPath}#row=${rowNumber}`;
    const id = RecordIdSchema.safeParse(record[fields.id_field]);
    if (!id.success) return skips.push({ path: where, reason: `column "${fields.id_field}" (the id) is missing or invalid` });
    const text =
      textFields.length === 1
        ? (record[textFields[0]!] ?? '')
        : recordText(
            textFields,
            textFields.map((f) => record[f] ?? ''),
          );
    if (text.trim() === '') return skips.push({ path: where, reason: `column(s) ${textFields.map((f) => `"${f}"`).join(', ')} (the text) missing or empty` });
    if (seen.has(id.data)) return skips.push({ path: where, reason: `duplicate id "${id.data}" (the first one is kept)` });
    seen.add(id.data);
    let readAcl: string[] | undefined;
    const aclCell = fields.acl_field ? record[fields.acl_field]?.trim() : undefined;
    if (aclCell) {
      const acl = AclSchema.safeParse(aclCell.split(/[;\s]+/).filter(Boolean));
      if (!acl.success) return skips.push({ path: where, reason: `column "${fields.acl_field}" must list principals separated by ";"` });
      readAcl = acl.data;
    }
    const title = (fields.title_field && record[fields.title_field]?.trim()) || id.data;
    const updated = (fields.updated_field && record[fields.updated_field]?.trim()) || null;
    const doc = locatedDoc({ bytes: Buffer.alloc(0), docId: `${sourceId}/${relPath}`, path: relPath, title }, id.data, `row ${rowNumber}`, text, {
      updatedAt: updated,
      readAcl,
    });
    docs.push({ ...doc, path: `${relPath}#row=${rowNumber}` });
  });
  return { docs, skips };
}
