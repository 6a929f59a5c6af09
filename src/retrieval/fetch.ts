import type { Approval, RequestIdentity } from '../identity/identity.js';
import { computeAuthority, decideChunk } from '../policy/authority.js';
import { permissionFilter } from '../store/filter.js';
import { sqlString } from '../store/sql.js';
import { documentFreshness } from './freshness.js';
import { loadSources, RetrievalError, type RetrievalDeps } from './search.js';

export interface FetchedDocument {
  docId: string;
  title: string;
  source: string;
  dataClass: string;
  owner: string;
  docVersion: string;
  updatedAt: string;
  stale: boolean;
  text: string;
  chunks: { chunkId: string; ordinal: number; span: [number, number]; chunkHash: string; text: string }[];
  rule: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_./:#@-]{0,299}$/;

/**
 * A whole permitted document by result (chunk) id or doc id. Missing and forbidden are the same
 * `null`; `withheld` (for the audit record only) says whether something existed but was not allowed.
 */
export async function fetchDocument(deps: RetrievalDeps, params: { identity: RequestIdentity; approvals: Approval[]; id: string }): Promise<{ doc: FetchedDocument | null; withheld: number; tableVersion: number | null }> {
  if (!ID.test(params.id)) return { doc: null, withheld: 0, tableVersion: null };
  const authority = computeAuthority(deps.policy, params.identity, params.approvals);
  const table = await deps.store.chunks().catch((err: Error) => {
    throw new RetrievalError(`the store cannot be read: ${err.message}`);
  });
  const idMatch = `(doc_id = ${sqlString(params.id)} OR chunk_id = ${sqlString(params.id)})`;
  // Which document is meant: looked up by id alone, so that a forbidden id can be counted (audit only).
  const [located, tableVersion] = await Promise.all([table.query().where(idMatch).select(['doc_id']).limit(1).toArray(), table.version()]);
  if (located.length === 0) return { doc: null, withheld: 0, tableVersion };
  const docId = String(located[0]!.doc_id);
  const filter = permissionFilter(authority);
  if (filter === null) return { doc: null, withheld: 1, tableVersion };
  const rows = await table.query().where(`${filter} AND doc_id = ${sqlString(docId)}`).toArray();
  const decisions = rows.map((row) => ({ row, decision: decideChunk(deps.policy, params.identity, authority, row) }));
  if (rows.length === 0 || decisions.some((d) => !d.decision.allowed)) return { doc: null, withheld: 1, tableVersion };

  const sorted = decisions.map((d) => d.row).sort((a, b) => Number(a.ordinal) - Number(b.ordinal));
  const first = sorted[0]!;
  const source = (await loadSources(deps.store)).get(String(first.source));
  const fresh = documentFreshness(source, String(first.doc_updated_at));
  if (fresh.stale && deps.policy.classInfo(String(first.data_class))?.stale === 'exclude') return { doc: null, withheld: 0, tableVersion };
  // Rebuild the text from its chunks at their original offsets: the gaps between chunks were only
  // whitespace (restored as newlines), and overlapping chunks agree on the overlap.
  let text = '';
  for (const row of sorted) {
    const start = Number(row.span_start);
    const chunkText = String(row.text);
    if (start > text.length) text += '\n'.repeat(start - text.length);
    text = text.slice(0, start) + chunkText + text.slice(start + chunkText.length);
  }
  const rule = decisions[0]!.decision.rule;
  return {
    doc: {
      docId,
      title: String(first.title),
      source: String(first.source),
      dataClass: String(first.data_class),
      owner: String(first.owner),
      docVersion: String(first.doc_version),
      updatedAt: String(first.doc_updated_at),
      stale: fresh.stale,
      text,
      chunks: sorted.map((r) => ({ chunkId: String(r.chunk_id), ordinal: Number(r.ordinal), span: [Number(r.span_start), Number(r.span_end)], chunkHash: String(r.chunk_hash), text: String(r.text) })),
      rule: rule ? `${rule.file.split('/').pop()}:${rule.line}` : 'policy',
    },
    withheld: 0,
    tableVersion,
  };
}
