import type { RequestContext } from '../gate/gate.js';
import type { Passage } from '../labels/provenance.js';
import { narrow, outsideAuthority, type Narrowing } from '../policy/authority.js';
import { decideChunk, ruleRef } from '../policy/decide.js';
import type { SearchMode } from '../store/chunk-search.js';
import { permissionFilter } from '../store/permission-filter.js';
import { openChunks, RetrievalError, type RetrievalDeps } from './deps.js';
import { freshnessOf, toPassage } from './passage.js';
import { rank, type Ranking } from './rankings.js';

export interface SearchRequest extends Narrowing {
  query: string;
  k: number;
  mode?: SearchMode;
}

export interface SearchResult {
  passages: Passage[];
  /** Candidates the re-check refused: for the audit record only, never the agent. */
  withheld: number;
  tableVersion: number;
  /** What the request's narrowing asked for outside its authority (boundary pressure). */
  outside: string[];
  timings: { embedMs: number; policyMs: number; storeMs: number };
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
    return { passages: [], withheld: 0, tableVersion: await table.version(), outside, timings: { embedMs: 0, policyMs: t1 - t0, storeMs: 0 } };
  const [vector, tableVersion, sources] = await Promise.all([
    mode === 'fts' ? null : deps.embedder.embedOne(request.query),
    table.version(),
    deps.sources.all(),
  ]);
  const t2 = performance.now();

  const passages: Passage[] = [];
  const seen = new Set<string>();
  let withheld = 0;
  let policyMs = t1 - t0;
  let storeMs = 0;
  // Full-text pools start wider than k: phrase and term constraints drop candidates after reading.
  let limit = mode === 'vector' ? request.k : Math.max(request.k, MIN_TEXT_POOL);
  for (let round = 0; round < MAX_ROUNDS && passages.length < request.k; round++) {
    const s = performance.now();
    let candidates: Ranking;
    try {
      candidates = await rank(table, mode, where, request.query, vector, limit);
    } catch (err) {
      throw new RetrievalError(`search failed in the store: ${(err as Error).message}`);
    }
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
  return { passages, withheld, tableVersion, outside, timings: { embedMs: t2 - t1, policyMs, storeMs } };
}
