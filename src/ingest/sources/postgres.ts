import { z } from 'zod';
import { PrincipalSchema } from '../../labels/ids.js';
import type { ParsedDoc, Skip } from '../document.js';
import type { CorpusManifest } from '../manifest.js';
import { RecordIdSchema } from '../parse/jsonl.js';
import type { PostgresSource } from './spec.js';
import { SourceUnavailable, type Pulled } from './source.js';

const AclSchema = z.array(PrincipalSchema).min(1);
const CONNECT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MS = 120_000;

/** An ACL cell: a text[] (pg gives an array) or a text listing principals separated by ";" or ",". */
function aclOf(cell: unknown): string[] | null {
  const list = Array.isArray(cell) ? cell : typeof cell === 'string' ? cell.split(/[;,\s]+/).filter(Boolean) : null;
  const acl = AclSchema.safeParse(list);
  return acl.success ? acl.data : null;
}

function updatedOf(cell: unknown): string | null {
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? null : cell.toISOString();
  return typeof cell === 'string' && cell.trim() !== '' ? cell.trim() : null;
}

/**
 * One row as a document, or why not. When the manifest maps an ACL column, a row without a valid
 * ACL is skipped: in a ticket system a NULL visibility is not "everyone in the source".
 */
function rowDoc(row: Record<string, unknown>, spec: PostgresSource, source: string): ParsedDoc | Skip {
  const { columns } = spec;
  const id = RecordIdSchema.safeParse(row[columns.id]);
  if (!id.success)
    return {
      path: `rows (column "${columns.id}" = ${JSON.stringify(String(row[columns.id])).slice(0, 40)})`,
      reason: 'the id is missing or invalid: use letters, digits, "_", ".", ":" or "-"',
    };
  const where = `rows#${id.data}`;
  const text = row[columns.text];
  if (typeof text !== 'string' || text.trim() === '') return { path: where, reason: `column "${columns.text}" (the text) is NULL, empty or not text` };
  let readAcl: string[] | undefined;
  if (columns.read_acl) {
    const acl = aclOf(row[columns.read_acl]);
    if (!acl)
      return {
        path: where,
        reason: `column "${columns.read_acl}" (the ACL) must list principals ("user:<id>", "group:<id>", "*"); a row without one is skipped`,
      };
    readAcl = acl;
  }
  const title = columns.title && typeof row[columns.title] === 'string' && (row[columns.title] as string).trim() ? (row[columns.title] as string) : id.data;
  const updatedAt = columns.updated_at ? updatedOf(row[columns.updated_at]) : null;
  return { docId: `${source}/${id.data}`, path: where, title, text, updatedAt, readAcl, headings: [] };
}

/**
 * A PostgreSQL query through `pg`: one document per row, in a READ ONLY transaction. The connection
 * string comes from the environment variable the manifest names. Unreachable server, bad credentials,
 * a failing query or a missing column throw (the source keeps its last good version); bad rows are skips.
 */
export async function pullPostgres(spec: PostgresSource, manifest: CorpusManifest): Promise<Pulled> {
  const connectionString = process.env[spec.connection_env];
  if (!connectionString) {
    throw new SourceUnavailable(
      `source.connection_env: environment variable ${spec.connection_env} is not set; set it to the connection string (postgres://user:password@host:port/database)`,
    );
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: QUERY_TIMEOUT_MS,
    application_name: 'clearance-ingest',
  });
  // A dropped connection after connect would otherwise be an unhandled 'error' event.
  client.on('error', () => undefined);
  let rows: Record<string, unknown>[];
  let fields: string[];
  try {
    await client.connect();
    await client.query('BEGIN READ ONLY');
    const result = await client.query<Record<string, unknown>>(spec.query);
    await client.query('COMMIT');
    rows = result.rows;
    fields = result.fields.map((f) => f.name);
  } catch (err) {
    throw new SourceUnavailable(`PostgreSQL (${spec.connection_env}): ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const missing = Object.entries(spec.columns).filter(([, column]) => !fields.includes(column));
  if (missing.length > 0) {
    throw new SourceUnavailable(
      `source.columns: the query returns no column ${missing.map(([key, column]) => `"${column}" (${key})`).join(', ')}; it returns ${fields.map((f) => `"${f}"`).join(', ')}`,
    );
  }
  const pulled: Pulled = { files: [], docs: [], skips: [] };
  const seen = new Set<string>();
  for (const row of rows) {
    const doc = rowDoc(row, spec, manifest.id);
    if ('reason' in doc) pulled.skips.push(doc);
    else if (seen.has(doc.docId)) pulled.skips.push({ path: doc.path, reason: 'duplicate id (the first row is kept)' });
    else {
      seen.add(doc.docId);
      pulled.docs.push(doc);
    }
  }
  return pulled;
}
