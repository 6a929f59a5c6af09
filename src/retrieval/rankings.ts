import { chunksById, chunksWithToken, nearestChunks, type ScoredChunk, type SearchMode, type VectorProbe } from '../store/chunk-search.js';
import type { Predicate } from '../store/predicates.js';
import type { ChunkColumn } from '../store/schema.js';
import type { ChunkTable } from '../store/store.js';
import { DEFAULT_BM25, parseFullTextQuery, preRank, rankFullText, type Bm25Options, type TokenPostings } from './fulltext.js';

/** Chunks per token the full-text lookup reads; past it a token's statistics are capped (docs/security.md). */
export const POSTINGS_LIMIT = 100_000;
/** Reciprocal-rank-fusion constant of chunk-level answers (Cormack et al. 2009). */
const CHUNK_RRF_K = 60;

export interface Ranking {
  ranked: ScoredChunk[];
  /** True when a deeper read could add candidates (the caller may widen). */
  more: boolean;
}

/**
 * How documents are ranked from their chunks. Every input is a ranking of permitted chunks and
 * every statistic (BM25's N, df and avgdl, the per-list normalisation) comes from them only.
 * Defaults tuned on the SciFact train split only (docs/benchmarks.md).
 */
export interface RankingOptions {
  bm25: Bm25Options;
  /** A document's score in one list: its best chunk's score + `extraChunks` × the sum of its other chunks' scores. */
  extraChunks: number;
  /** Hybrid fusion of the document rankings: reciprocal rank (`rrfK`) or a convex mix of min-max normalised scores. */
  fusion: 'rrf' | 'convex';
  rrfK: number;
  /** Weight of the vector ranking in the fusion (the full-text ranking has 1 − vectorWeight). */
  vectorWeight: number;
  /** Candidate chunks read per round, as a multiple of k (at least `minPool`). */
  depth: number;
  minPool: number;
}

/**
 * Tuned on the SciFact train split only (docs/benchmarks.md, "What was tuned"): a convex mix of
 * min-max normalised document scores beat reciprocal rank fusion (by +0.06 nDCG@10 on a subset, +0.01
 * on the full split); 0.6 vector / 0.4 full-text is better than 0.7 on both the 1,792-document subset
 * and the full split (`npm run bench -- ranking`: 0.7201 vs 0.7130, recall@50 0.939 vs 0.938); the
 * title as a BM25F field of weight 1 adds +0.006 to full-text alone; summing a document's other chunks hurt.
 */
export const DEFAULT_RANKING: RankingOptions = {
  bm25: { ...DEFAULT_BM25, titleWeight: 1 },
  extraChunks: 0,
  fusion: 'convex',
  rrfK: 60,
  vectorWeight: 0.6,
  depth: 5,
  minPool: 50,
};

/** Permitted chunks ranked by BM25 with permitted-set statistics (see fulltext.ts). */
export async function fullTextRanking(
  table: ChunkTable,
  where: Predicate<ChunkColumn>,
  query: string,
  pool: number,
  bm25: Bm25Options = DEFAULT_BM25,
): Promise<Ranking> {
  const parsed = parseFullTextQuery(query);
  if (parsed.tokens.length === 0) return { ranked: [], more: false };
  const [n, lists] = await Promise.all([table.count(where), Promise.all(parsed.tokens.map((t) => chunksWithToken(table, where, t, POSTINGS_LIMIT)))]);
  const stats: TokenPostings = { n, postings: new Map(parsed.tokens.map((t, i) => [t, new Set(lists[i])])) };
  const ids = preRank(parsed, stats, pool);
  const ranked = rankFullText(parsed, stats, await chunksById(table, where, ids), bm25);
  return { ranked, more: ids.length === pool };
}

/** The permitted chunks nearest to the query vector. */
export async function vectorRanking(table: ChunkTable, where: Predicate<ChunkColumn>, probe: VectorProbe, limit: number): Promise<Ranking> {
  const ranked = await nearestChunks(table, where, probe, limit);
  return { ranked, more: ranked.length === limit };
}

const byScoreThenId = (a: ScoredChunk, b: ScoredChunk) => b.score - a.score || (a.chunk.chunk_id < b.chunk.chunk_id ? -1 : 1);

/** Reciprocal rank fusion of chunks: a chunk's score is Σ 1/(60 + rank) over the rankings it appears in. */
export function fuse(rankings: Ranking[]): Ranking {
  const fused = new Map<string, ScoredChunk>();
  for (const { ranked } of rankings) {
    ranked.forEach(({ chunk }, rank) => {
      const prior = fused.get(chunk.chunk_id);
      fused.set(chunk.chunk_id, { chunk, score: (prior?.score ?? 0) + 1 / (CHUNK_RRF_K + rank + 1) });
    });
  }
  return { ranked: [...fused.values()].sort(byScoreThenId), more: rankings.some((r) => r.more) };
}

/** One round of candidate rankings for a mode, `limit` deep: the vector and/or the full-text ranking. */
export async function candidateRankings(
  table: ChunkTable,
  mode: SearchMode,
  where: Predicate<ChunkColumn>,
  query: string,
  probe: VectorProbe | null,
  limit: number,
  bm25: Bm25Options = DEFAULT_BM25,
): Promise<Ranking[]> {
  if (mode === 'fts') return [await fullTextRanking(table, where, query, limit, bm25)];
  if (mode === 'vector') return [await vectorRanking(table, where, probe!, limit)];
  return Promise.all([vectorRanking(table, where, probe!, limit), fullTextRanking(table, where, query, limit, bm25)]);
}

/** One round of chunk candidates for a mode, `limit` deep (chunk-level answers). */
export async function rank(
  table: ChunkTable,
  mode: SearchMode,
  where: Predicate<ChunkColumn>,
  query: string,
  probe: VectorProbe | null,
  limit: number,
  bm25: Bm25Options = DEFAULT_BM25,
): Promise<Ranking> {
  const lists = await candidateRankings(table, mode, where, query, probe, limit, bm25);
  return lists.length === 1 ? lists[0]! : fuse(lists);
}

export interface DocumentHit {
  docId: string;
  score: number;
  /** The document's matching chunks, best first; each scored at chunk level with the same fusion. */
  chunks: ScoredChunk[];
}

/** Per list: each document's score from its chunks (best + extraChunks × the rest), best first. */
function documentScores(ranked: ScoredChunk[], extraChunks: number): Map<string, number> {
  const best = new Map<string, number>();
  const rest = new Map<string, number>();
  for (const { chunk, score } of ranked) {
    const prior = best.get(chunk.doc_id);
    if (prior === undefined) best.set(chunk.doc_id, score);
    else rest.set(chunk.doc_id, (rest.get(chunk.doc_id) ?? 0) + Math.min(prior, score));
    if (prior !== undefined && score > prior) best.set(chunk.doc_id, score);
  }
  const scores = new Map<string, number>();
  for (const [doc, s] of best) scores.set(doc, s + extraChunks * (rest.get(doc) ?? 0));
  return new Map([...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

/** Fuses per-list scores of keys (documents or chunks) into one score each. */
function fuseScores(lists: Map<string, number>[], options: RankingOptions): Map<string, number> {
  if (lists.length === 1) return lists[0]!;
  const weights = [options.vectorWeight, 1 - options.vectorWeight];
  const fused = new Map<string, number>();
  lists.forEach((list, i) => {
    const w = weights[i] ?? 0;
    if (options.fusion === 'rrf') {
      let r = 0;
      for (const key of list.keys()) fused.set(key, (fused.get(key) ?? 0) + w / (options.rrfK + ++r));
    } else {
      const values = [...list.values()];
      const hi = Math.max(...values);
      const lo = Math.min(...values);
      for (const [key, s] of list) fused.set(key, (fused.get(key) ?? 0) + w * (hi > lo ? (s - lo) / (hi - lo) : 1));
    }
  });
  return fused;
}

/**
 * Document-level fusion: each ranking of (permitted) chunks becomes a ranking of documents, the
 * document rankings are fused, and each document keeps its matching chunks, best first.
 */
export function fuseDocuments(lists: ScoredChunk[][], options: RankingOptions = DEFAULT_RANKING): DocumentHit[] {
  const docScores = fuseScores(
    lists.map((l) => documentScores(l, options.extraChunks)),
    options,
  );
  const chunkScores = fuseScores(
    lists.map((l) => new Map([...l].sort(byScoreThenId).map((c) => [c.chunk.chunk_id, c.score]))),
    options,
  );
  const chunksOf = new Map<string, ScoredChunk[]>();
  for (const list of lists)
    for (const { chunk } of list) {
      const mine = chunksOf.get(chunk.doc_id) ?? [];
      if (!mine.some((c) => c.chunk.chunk_id === chunk.chunk_id)) mine.push({ chunk, score: chunkScores.get(chunk.chunk_id) ?? 0 });
      chunksOf.set(chunk.doc_id, mine);
    }
  return [...docScores]
    .map(([docId, score]) => ({ docId, score, chunks: chunksOf.get(docId)!.sort(byScoreThenId) }))
    .sort((a, b) => b.score - a.score || (a.docId < b.docId ? -1 : 1));
}
