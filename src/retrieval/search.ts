import { rerankers } from '@lancedb/lancedb';
import type { Table } from '@lancedb/lancedb';
import type { Approval, RequestIdentity } from '../identity/identity.js';
import { computeAuthority, decideChunk, type Authority } from '../policy/authority.js';
import type { PolicyEngine } from '../policy/engine.js';
import { permissionFilter } from '../store/filter.js';
import { SourceRowSchema, type SourceRow } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { documentFreshness } from './freshness.js';

export class RetrievalError extends Error {
  override name = 'RetrievalError';
}

export interface QueryEmbedder {
  embedOne(text: string): Promise<Float32Array>;
}

export interface RetrievalDeps {
  store: Store;
  embedder: QueryEmbedder;
  policy: PolicyEngine;
}

export interface SearchParams {
  identity: RequestIdentity;
  approvals: Approval[];
  query: string;
  k: number;
  sources?: string[];
  classes?: string[];
  mode?: 'hybrid' | 'vector' | 'fts';
}

export interface Hit {
  chunkId: string;
  title: string;
  heading: string;
  text: string;
  source: string;
  docId: string;
  docVersion: string;
  ordinal: number;
  span: [number, number];
  chunkHash: string;
  dataClass: string;
  owner: string;
  score: number;
  docUpdatedAt: string;
  stale: boolean;
  ageDays: number | null;
  /** `file:line` of the policy rule that let the human read this chunk's class. */
  rule: string;
}

export interface SearchResult {
  hits: Hit[];
  withheld: number;
  tableVersion: number;
  timings: { embedMs: number; policyMs: number; storeMs: number };
}

/** ANN settings that keep filtered top-k recall ≥ 0.99 of exact search: PQ error, not probing, limits recall, so re-rank 100×k candidates exactly (measured: refine 10 → 0.59, 50 → 0.93, 100 → 0.995 on the 100k synthetic set). */
export const ANN = { nprobes: 50, refineFactor: 100 };
const MAX_ROUNDS = 3;
const WIDEN = 4;

const SOURCES_TTL_MS = 1_000;
const sourcesCache = new WeakMap<Store, { at: number; rows: Promise<Map<string, SourceRow>> }>();

/**
 * Source rows (freshness, titles, ACLs for listings), re-read at most once a second per store: they
 * change only on ingest, and they never decide access to a chunk (the chunk's own labels do).
 */
export function loadSources(store: Store): Promise<Map<string, SourceRow>> {
  const cached = sourcesCache.get(store);
  if (cached && Date.now() - cached.at < SOURCES_TTL_MS) return cached.rows;
  const rows = store
    .sources()
    .then((table) => table.query().toArray())
    .then((all) =>
      new Map(all.map((r) => {
        const row = SourceRowSchema.parse({ ...r, acl_source: Array.from(r.acl_source as Iterable<string>) });
        return [row.source, row] as const;
      })),
    );
  sourcesCache.set(store, { at: Date.now(), rows });
  rows.catch(() => sourcesCache.delete(store));
  return rows;
}

function scoreOf(row: Record<string, unknown>, mode: string): number {
  if (mode === 'hybrid') return Number(row._relevance_score ?? 0);
  if (mode === 'fts') return Number(row._score ?? 0);
  return 1 - Number(row._distance ?? 1);
}

async function candidates(table: Table, mode: string, filter: string, query: string, vector: Float32Array | null, limit: number): Promise<Record<string, unknown>[]> {
  if (mode === 'fts') return table.search(query, 'fts').where(filter).limit(limit).toArray();
  let q = table.query().nearestTo(vector!).distanceType('cosine').nprobes(ANN.nprobes).refineFactor(ANN.refineFactor);
  if (mode === 'hybrid') {
    return q.fullTextSearch(query).where(filter).rerank(await rerankers.RRFReranker.create()).limit(limit).toArray();
  }
  q = q.where(filter);
  return q.limit(limit).toArray();
}

/**
 * Permission-aware search: the store searches only chunks the compiled filter permits (pre-filter),
 * every candidate is decided again from its own labels, failures are withheld and counted, and the
 * search widens (bounded) until k permitted results are found or the permitted set is exhausted.
 */
export async function search(deps: RetrievalDeps, params: SearchParams): Promise<SearchResult> {
  const mode = params.mode ?? 'hybrid';
  const t0 = performance.now();
  const authority: Authority = computeAuthority(deps.policy, params.identity, params.approvals, { sources: params.sources, classes: params.classes });
  const filter = permissionFilter(authority);
  const t1 = performance.now();
  let table: Table;
  try {
    table = await deps.store.chunks();
  } catch (err) {
    throw new RetrievalError(`the store cannot be read: ${(err as Error).message}`);
  }
  if (filter === null) return { hits: [], withheld: 0, tableVersion: await table.version(), timings: { embedMs: 0, policyMs: t1 - t0, storeMs: 0 } };
  const [vector, tableVersion, sources] = await Promise.all([mode === 'fts' ? null : deps.embedder.embedOne(params.query), table.version(), loadSources(deps.store)]);
  const t2 = performance.now();

  const hits: Hit[] = [];
  const seen = new Set<string>();
  let withheld = 0;
  let policyMs = t1 - t0;
  let storeMs = 0;
  let limit = params.k;
  for (let round = 0; round < MAX_ROUNDS && hits.length < params.k; round++) {
    const s = performance.now();
    let rows: Record<string, unknown>[];
    try {
      rows = await candidates(table, mode, filter, params.query, vector, limit);
    } catch (err) {
      throw new RetrievalError(`search failed in the store: ${(err as Error).message}`);
    }
    const p = performance.now();
    storeMs += p - s;
    for (const row of rows) {
      const chunkId = String(row.chunk_id);
      if (seen.has(chunkId)) continue;
      seen.add(chunkId);
      const decision = decideChunk(deps.policy, params.identity, authority, row);
      if (!decision.allowed) {
        withheld++;
        continue;
      }
      const source = sources.get(String(row.source));
      const fresh = documentFreshness(source, String(row.doc_updated_at));
      if (fresh.stale && deps.policy.classInfo(String(row.data_class))?.stale === 'exclude') continue;
      if (hits.length < params.k) hits.push(toHit(row, scoreOf(row, mode), fresh, decision.rule ? `${decision.rule.file.split('/').pop()}:${decision.rule.line}` : 'policy'));
    }
    policyMs += performance.now() - p;
    if (rows.length < limit) break; // the permitted set is exhausted
    limit *= WIDEN;
  }
  return { hits, withheld, tableVersion, timings: { embedMs: t2 - t1, policyMs, storeMs } };
}

export function toHit(row: Record<string, unknown>, score: number, fresh: { stale: boolean; ageDays: number | null }, rule: string): Hit {
  return {
    chunkId: String(row.chunk_id),
    title: String(row.title),
    heading: String(row.heading),
    text: String(row.text),
    source: String(row.source),
    docId: String(row.doc_id),
    docVersion: String(row.doc_version),
    ordinal: Number(row.ordinal),
    span: [Number(row.span_start), Number(row.span_end)],
    chunkHash: String(row.chunk_hash),
    dataClass: String(row.data_class),
    owner: String(row.owner),
    score,
    docUpdatedAt: String(row.doc_updated_at),
    stale: fresh.stale,
    ageDays: fresh.ageDays,
    rule,
  };
}
