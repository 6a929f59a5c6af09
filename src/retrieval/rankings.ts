import { chunksById, chunksOfDocuments, chunksWithToken, nearestChunks, type ScoredChunk, type SearchMode, type VectorProbe } from '../store/chunk-search.js';
import { chunkWhere } from '../store/permission-filter.js';
import type { Predicate } from '../store/predicates.js';
import type { ChunkColumn, StoredChunk } from '../store/schema.js';
import type { ChunkTable } from '../store/store.js';
import {
  DEFAULT_BM25,
  parseFullTextQuery,
  preRank,
  rankDocumentsFullText,
  rankFullText,
  type Bm25Options,
  type FullTextQuery,
  type TokenPostings,
} from './fulltext.js';

/** Chunks per token the full-text lookup reads; past it a token's statistics are capped (docs/security.md). */
export const POSTINGS_LIMIT = 100_000;
/** Reciprocal-rank-fusion constant of chunk-level answers (Cormack et al. 2009). */
const CHUNK_RRF_K = 60;

export interface Ranking {
  ranked: ScoredChunk[];
  /** True when a deeper read could add candidates (the caller may widen). */
  more: boolean;
  /** A full-text ranking's query and permitted-set statistics, to score whole documents with. */
  text?: { query: FullTextQuery; stats: TokenPostings };
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
  /** A document's full-text score: its best chunk's BM25, or BM25 over all its permitted text (every document either list found). */
  fullText: 'chunk' | 'document';
  /** Hybrid fusion of the document rankings: reciprocal rank (`rrfK`) or a convex mix of normalised scores. */
  fusion: 'rrf' | 'convex';
  /** Convex fusion: scores min-max scaled, or standardised (z-score; a document missing from a list takes that list's lowest score). */
  normalise: 'min-max' | 'z-score';
  rrfK: number;
  /** Weight of the vector ranking in the fusion (the full-text ranking has 1 − vectorWeight). */
  vectorWeight: number;
  /** Candidate chunks read per round, as a multiple of k (at least `minPool`). */
  depth: number;
  minPool: number;
}

/**
 * Tuned on the SciFact train split only (docs/benchmarks.md, "What was tuned"): a convex mix beat
 * reciprocal rank fusion; scoring each document's full text (BM25 over all its permitted chunks, for
 * every document either list found) with z-scored lists, 0.5 vector / 0.5 full-text, gave nDCG@10
 * 0.7314 on the full split against 0.7201 for the best chunk with min-max scores at 0.6
 * (`npm run bench -- ranking`; recall@50 0.931 vs 0.939); the title is a BM25F field of weight 1.
 */
export const DEFAULT_RANKING: RankingOptions = {
  bm25: { ...DEFAULT_BM25, titleWeight: 1 },
  extraChunks: 0,
  fullText: 'document',
  fusion: 'convex',
  normalise: 'z-score',
  rrfK: 60,
  vectorWeight: 0.5,
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
  const stats: TokenPostings = {
    n,
    postings: new Map(parsed.tokens.map((t, i) => [t, new Set(lists[i]!.map((p) => p.chunk))])),
    documentPostings: new Map(parsed.tokens.map((t, i) => [t, new Set(lists[i]!.map((p) => p.doc))])),
  };
  const ids = preRank(parsed, stats, pool);
  const ranked = rankFullText(parsed, stats, await chunksById(table, where, ids), bm25);
  return { ranked, more: ids.length === pool, text: { query: parsed, stats } };
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

/** A list's scores on a common scale: min-max to [0, 1] (missing: 0), or z-scores (missing: the list's lowest). */
function normalised(list: Map<string, number>, keys: Iterable<string>, how: RankingOptions['normalise']): Map<string, number> {
  const values = [...list.values()];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (how === 'min-max') return new Map([...list].map(([key, s]) => [key, hi > lo ? (s - lo) / (hi - lo) : 1]));
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) || 1;
  return new Map([...keys].map((key) => [key, ((list.get(key) ?? lo) - mean) / sd]));
}

/** Fuses per-list scores of keys (documents or chunks) into one score each. */
function fuseScores(lists: Map<string, number>[], options: RankingOptions): Map<string, number> {
  if (lists.length === 1) return lists[0]!;
  const weights = [options.vectorWeight, 1 - options.vectorWeight];
  const keys = new Set(lists.flatMap((list) => [...list.keys()]));
  const fused = new Map<string, number>();
  lists.forEach((list, i) => {
    const w = weights[i] ?? 0;
    if (options.fusion === 'rrf') {
      let r = 0;
      for (const key of list.keys()) fused.set(key, (fused.get(key) ?? 0) + w / (options.rrfK + ++r));
    } else if (list.size > 0) {
      for (const [key, s] of normalised(list, keys, options.normalise)) fused.set(key, (fused.get(key) ?? 0) + w * s);
    }
  });
  return fused;
}

/**
 * The full-text score of every document a ranking found, over all its text the request may read:
 * each document's chunks are read with the permission filter and re-decided (`permitted`), so a
 * refused chunk adds no word; N counts permitted documents (their first chunks) and df comes from the
 * full-text ranking's permitted postings.
 */
export async function documentTextScores(
  table: ChunkTable,
  where: Predicate<ChunkColumn>,
  lists: ScoredChunk[][],
  text: NonNullable<Ranking['text']>,
  permitted: (chunk: StoredChunk) => boolean,
  bm25: Bm25Options,
): Promise<Map<string, number>> {
  const docIds = [...new Set(lists.flatMap((l) => l.map((c) => c.chunk.doc_id)))];
  const byDocument = new Map<string, StoredChunk[]>(docIds.map((id) => [id, []]));
  const [documents, chunks] = await Promise.all([table.count(chunkWhere.and(where, chunkWhere.eqInt('ordinal', 0))), chunksOfDocuments(table, where, docIds)]);
  for (const chunk of chunks) if (permitted(chunk)) byDocument.get(chunk.doc_id)?.push(chunk);
  return rankDocumentsFullText(text.query, { ...text.stats, documents }, byDocument, bm25);
}

/**
 * Document-level fusion: each ranking of (permitted) chunks becomes a ranking of documents (the
 * full-text one, the last list, replaced by `textDocuments` when given: see documentTextScores), the
 * document rankings are fused, and each document keeps its matching chunks, best first.
 */
export function fuseDocuments(lists: ScoredChunk[][], options: RankingOptions = DEFAULT_RANKING, textDocuments?: Map<string, number>): DocumentHit[] {
  const docScores = fuseScores(
    lists.map((l, i) => (textDocuments && i === lists.length - 1 ? textDocuments : documentScores(l, options.extraChunks))),
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
