import type { RequestContext } from '../gate/gate.js';
import type { Passage } from '../labels/provenance.js';
import { narrow, outsideAuthority, type Narrowing } from '../policy/authority.js';
import { decideChunk, ruleRef } from '../policy/decide.js';
import type { ScoredChunk, SearchMode, VectorProbe } from '../store/chunk-search.js';
import { permissionFilter } from '../store/permission-filter.js';
import { openChunks, RetrievalError, type RetrievalDeps } from './deps.js';
import { freshnessOf, toPassage } from './passage.js';
import { candidateRankings, DEFAULT_RANKING, documentTextScores, fuseDocuments, rank, type DocumentHit, type RankingOptions } from './rankings.js';
import type { SourceRow, StoredChunk } from '../store/schema.js';

export interface SearchRequest extends Narrowing {
  query: string;
  k: number;
  mode?: SearchMode;
  /** `document` (the MCP default): the top k documents, best passage each; `chunk` (the default here): the top k chunks. */
  granularity?: 'document' | 'chunk';
  /** Document granularity: at most this many other matching passages per document (default 2). */
  morePassages?: number;
  /** Benchmarks and tuning only; the defaults are what every caller gets. */
  ranking?: RankingOptions;
}

/** One answer: a passage (the best of its document, at document granularity) and the document's other matching passages. */
export interface SearchHit {
  passage: Passage;
  more: Passage[];
}

export interface SearchResult {
  /** Every passage returned (hits and their extra passages): what is audited and tainted. */
  passages: Passage[];
  hits: SearchHit[];
  /** Candidates the re-check refused: for the audit record only, never the agent. */
  withheld: number;
  tableVersion: number;
  /** What the request's narrowing asked for outside its authority (boundary pressure). */
  outside: string[];
  timings: { embedMs: number; policyMs: number; storeMs: number };
}

/** A store read of the search; its failure is the search's, named as such. */
async function inStore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw new RetrievalError(`search failed in the store: ${(err as Error).message}`);
  }
}

const MAX_ROUNDS = 3;
const WIDEN = 4;
const MIN_TEXT_POOL = 50;

/**
 * Permission-aware search: the store searches only chunks the compiled filter permits (pre-filter),
 * every candidate is decided again from its own labels, failures are withheld and counted, and the
 * search widens (bounded) until k permitted results are found or the permitted set is exhausted.
 */
export async function search(deps: RetrievalDeps, ctx: RequestContext, request: SearchRequest): Promise<SearchResult> {
  const mode = request.mode ?? 'hybrid';
  const t0 = performance.now();
  const authority = narrow(ctx.authority, request);
  const outside = outsideAuthority(ctx.authority, request);
  const where = permissionFilter(authority);
  const t1 = performance.now();
  const table = await openChunks(deps);
  if (where === null)
    return { passages: [], hits: [], withheld: 0, tableVersion: await table.version(), outside, timings: { embedMs: 0, policyMs: t1 - t0, storeMs: 0 } };
  const [embedded, tableVersion, sources] = await Promise.all([
    mode === 'fts' ? null : deps.embedder.embedOne(request.query),
    table.version(),
    deps.sources.all(),
  ]);
  const vector = embedded && { vector: embedded, ann: await deps.store.annQuery(tableVersion) };
  const t2 = performance.now();
  if (request.granularity === 'document') {
    const found = await documents(table, ctx, authority, sources, where, request, vector, mode);
    return { ...found, tableVersion, outside, timings: { embedMs: t2 - t1, policyMs: t1 - t0 + found.policyMs, storeMs: found.storeMs } };
  }

  const passages: Passage[] = [];
  const seen = new Set<string>();
  let withheld = 0;
  let policyMs = t1 - t0;
  let storeMs = 0;
  // Full-text pools start wider than k: phrase and term constraints drop candidates after reading.
  let limit = mode === 'vector' ? request.k : Math.max(request.k, MIN_TEXT_POOL);
  for (let round = 0; round < MAX_ROUNDS && passages.length < request.k; round++) {
    const s = performance.now();
    const candidates = await inStore(() => rank(table, mode, where, request.query, vector, limit));
    const p = performance.now();
    storeMs += p - s;
    for (const { chunk, score } of candidates.ranked) {
      if (seen.has(chunk.chunk_id)) continue;
      seen.add(chunk.chunk_id);
      const decision = decideChunk(ctx.policy, authority, chunk);
      if (!decision.allowed) {
        withheld++;
        continue;
      }
      const fresh = freshnessOf(ctx.policy, sources, chunk);
      if (!fresh.excluded && passages.length < request.k) passages.push(toPassage(chunk, score, fresh, ruleRef(decision.rule)));
    }
    policyMs += performance.now() - p;
    if (!candidates.more) break; // the permitted set is exhausted
    limit *= WIDEN;
  }
  return {
    passages,
    hits: passages.map((passage) => ({ passage, more: [] })),
    withheld,
    tableVersion,
    outside,
    timings: { embedMs: t2 - t1, policyMs, storeMs },
  };
}

const DEFAULT_MORE_PASSAGES = 2;

/**
 * Document granularity: every candidate chunk is re-decided and freshness-checked before it is
 * ranked (so nothing refused enters a rank or a score), the permitted chunk rankings are fused at
 * document level, and the rounds widen until k distinct documents are found or the permitted set is
 * exhausted.
 */
async function documents(
  table: Awaited<ReturnType<typeof openChunks>>,
  ctx: RequestContext,
  authority: ReturnType<typeof narrow>,
  sources: Map<string, SourceRow>,
  where: NonNullable<ReturnType<typeof permissionFilter>>,
  request: SearchRequest,
  vector: VectorProbe | null,
  mode: SearchMode,
): Promise<{ passages: Passage[]; hits: SearchHit[]; withheld: number; policyMs: number; storeMs: number }> {
  const options = request.ranking ?? DEFAULT_RANKING;
  const verdicts = new Map<string, { rule: string; stale: boolean; ageDays: number | null } | null>();
  let withheld = 0;
  let policyMs = 0;
  let storeMs = 0;
  const permitted = (chunk: StoredChunk) => {
    let verdict = verdicts.get(chunk.chunk_id);
    if (verdict === undefined) {
      const decision = decideChunk(ctx.policy, authority, chunk);
      if (!decision.allowed) withheld++;
      const fresh = decision.allowed ? freshnessOf(ctx.policy, sources, chunk) : null;
      verdict = decision.allowed && fresh && !fresh.excluded ? { rule: ruleRef(decision.rule), stale: fresh.stale, ageDays: fresh.ageDays } : null;
      verdicts.set(chunk.chunk_id, verdict);
    }
    return verdict;
  };
  let hits: DocumentHit[] = [];
  let limit = Math.max(request.k * options.depth, options.minPool);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const s = performance.now();
    const lists = await inStore(() => candidateRankings(table, mode, where, request.query, vector, limit, options.bm25));
    const p = performance.now();
    storeMs += p - s;
    const allowed: ScoredChunk[][] = lists.map((l) => l.ranked.filter(({ chunk }) => permitted(chunk) !== null));
    const q = performance.now();
    policyMs += q - p;
    const text = lists.at(-1)?.text;
    const textDocuments =
      options.fullText === 'document' && text
        ? await inStore(() => documentTextScores(table, where, allowed, text, (c) => permitted(c) !== null, options.bm25))
        : undefined;
    hits = fuseDocuments(allowed, options, textDocuments);
    storeMs += performance.now() - q;
    if (hits.length >= request.k || !lists.some((l) => l.more)) break;
    limit *= WIDEN;
  }
  const more = request.morePassages ?? DEFAULT_MORE_PASSAGES;
  const passageOf = (chunk: StoredChunk, score: number) => {
    const v = verdicts.get(chunk.chunk_id)!;
    return toPassage(chunk, score, { stale: v.stale, ageDays: v.ageDays }, v.rule);
  };
  const answer = hits.slice(0, request.k).map((hit) => ({
    passage: passageOf(hit.chunks[0]!.chunk, hit.score),
    more: hit.chunks.slice(1, 1 + more).map((c) => passageOf(c.chunk, c.score)),
  }));
  return { passages: answer.flatMap((h) => [h.passage, ...h.more]), hits: answer, withheld, policyMs, storeMs };
}
