import type { RequestContext } from '../gate/gate.js';
import type { Passage } from '../labels/provenance.js';
import { decideChunk, ruleRef } from '../policy/decide.js';
import { chunkWhere, NOTHING, permissionFilter } from '../store/permission-filter.js';
import { STORED_CHUNK_COLUMNS } from '../store/schema.js';
import { openChunks, type RetrievalDeps } from './deps.js';
import { freshnessOf, toPassage } from './passage.js';

export interface FetchedDocument {
  docId: string;
  title: string;
  source: string;
  dataClass: string;
  owner: string;
  docVersion: string;
  updatedAt: string;
  author: string | null;
  stale: boolean;
  text: string;
  /** Every chunk of the document, in order, each with its provenance. */
  passages: Passage[];
}

/**
 * Any id a document can have (paths with spaces, brackets, an attachment's `#attachment=1&page=2`);
 * never control or format characters, which no stored id contains. The predicate module escapes the rest.
 */
const ID = /^[^\p{Cc}\p{Cf}]{1,300}$/u;

/** Rebuilds a document's text from its chunks at their original offsets (gaps were whitespace; overlaps agree). */
function joinChunks(chunks: { span_start: number; text: string }[]): string {
  let text = '';
  for (const chunk of chunks) {
    if (chunk.span_start > text.length) text += '\n'.repeat(chunk.span_start - text.length);
    text = text.slice(0, chunk.span_start) + chunk.text + text.slice(chunk.span_start + chunk.text.length);
  }
  return text;
}

/**
 * A whole permitted document by result (chunk) id or doc id. Missing and forbidden are the same
 * `null`, reached by the same work: the id is resolved and the permission-filtered read runs for
 * every well-formed id, whether or not anything exists. `withheld` is for the audit record only.
 */
export async function fetchDocument(
  deps: RetrievalDeps,
  ctx: RequestContext,
  id: string,
): Promise<{ doc: FetchedDocument | null; withheld: number; tableVersion: number | null }> {
  if (!ID.test(id)) return { doc: null, withheld: 0, tableVersion: null };
  const table = await openChunks(deps);
  const permitted = permissionFilter(ctx.authority) ?? NOTHING;
  const [located, tableVersion] = await Promise.all([
    table.rows(chunkWhere.or(chunkWhere.eq('doc_id', id), chunkWhere.eq('chunk_id', id)), { select: ['doc_id'], limit: 1 }),
    table.version(),
  ]);
  const docId = located[0]?.doc_id ?? id;
  const chunks = (await table.rows(chunkWhere.and(permitted, chunkWhere.eq('doc_id', docId)), { select: STORED_CHUNK_COLUMNS })).sort(
    (a, b) => a.ordinal - b.ordinal,
  );
  const existed = located.length > 0 ? 1 : 0;
  const decisions = chunks.map((chunk) => decideChunk(ctx.policy, ctx.authority, chunk));
  if (chunks.length === 0 || decisions.some((d) => !d.allowed)) return { doc: null, withheld: existed, tableVersion };

  const first = chunks[0]!;
  const fresh = freshnessOf(ctx.policy, await deps.sources.all(), first);
  if (fresh.excluded) return { doc: null, withheld: 0, tableVersion };
  const rule = ruleRef(decisions[0]!.rule);
  return {
    doc: {
      docId,
      title: first.title,
      source: first.source,
      dataClass: first.data_class,
      owner: first.owner,
      docVersion: first.doc_version,
      updatedAt: first.doc_updated_at,
      author: first.doc_author || null,
      stale: fresh.stale,
      text: joinChunks(chunks),
      passages: chunks.map((chunk) => toPassage(chunk, null, fresh, rule)),
    },
    withheld: 0,
    tableVersion,
  };
}
