import { chunksById, chunksWithToken, nearestChunks, type ScoredChunk, type SearchMode } from '../store/chunk-search.js';
import type { Predicate } from '../store/predicates.js';
import type { ChunkColumn } from '../store/schema.js';
import type { ChunkTable } from '../store/store.js';
import { parseFullTextQuery, preRank, rankFullText, type TokenPostings } from './fulltext.js';

/** Chunks per token the full-text lookup reads; past it a token's statistics are capped (docs/security.md). */
export const POSTINGS_LIMIT = 100_000;
/** Reciprocal-rank-fusion constant (Cormack et al. 2009). */
const RRF_K = 60;

export interface Ranking {
  ranked: ScoredChunk[];
  /** True when a deeper read could add candidates (the caller may widen). */
  more: boolean;
}

/** Permitted chunks ranked by BM25 with permitted-set statistics (see fulltext.ts). */
export async function fullTextRanking(table: ChunkTable, where: Predicate<ChunkColumn>, query: string, pool: number): Promise<Ranking> {
  const parsed = parseFullTextQuery(query);
  if (parsed.tokens.length === 0) return { ranked: [], more: false };
  const [n, lists] = await Promise.all([table.count(where), Promise.all(parsed.tokens.map((t) => chunksWithToken(table, where, t, POSTINGS_LIMIT)))]);
  const stats: TokenPostings = { n, postings: new Map(parsed.tokens.map((t, i) => [t, new Set(lists[i])])) };
  const ids = preRank(parsed, stats, pool);
  const ranked = rankFullText(parsed, stats, await chunksById(table, where, ids));
  return { ranked, more: ids.length === pool };
}

/** The permitted chunks nearest to the query vector. */
export async function vectorRanking(table: ChunkTable, where: Predicate<ChunkColumn>, vector: Float32Array, limit: number): Promise<Ranking> {
  const ranked = await nearestChunks(table, where, vector, limit);
  return { ranked, more: ranked.length === limit };
}

/** Reciprocal rank fusion: a chunk's score is Σ 1/(60 + rank) over the rankings it appears in. */
export function fuse(rankings: Ranking[]): Ranking {
  const fused = new Map<string, ScoredChunk>();
  for (const { ranked } of rankings) {
    ranked.forEach(({ chunk }, rank) => {
      const prior = fused.get(chunk.chunk_id);
      fused.set(chunk.chunk_id, { chunk, score: (prior?.score ?? 0) + 1 / (RRF_K + rank + 1) });
    });
  }
  const ranked = [...fused.values()].sort((a, b) => b.score - a.score || (a.chunk.chunk_id < b.chunk.chunk_id ? -1 : 1));
  return { ranked, more: rankings.some((r) => r.more) };
}

/** One round of candidates for a mode, `limit` deep. */
export async function rank(
  table: ChunkTable,
  mode: SearchMode,
  where: Predicate<ChunkColumn>,
  query: string,
  vector: Float32Array | null,
  limit: number,
): Promise<Ranking> {
  if (mode === 'fts') return fullTextRanking(table, where, query, limit);
  if (mode === 'vector') return vectorRanking(table, where, vector!, limit);
  return fuse(await Promise.all([vectorRanking(table, where, vector!, limit), fullTextRanking(table, where, query, limit)]));
}
