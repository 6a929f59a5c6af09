import type { Predicate } from './predicates.js';
import { chunkWhere } from './permission-filter.js';
import { parseRows } from './rows.js';
import { STORED_CHUNK_COLUMNS, StoredChunkSchema, type ChunkColumn, type StoredChunk } from './schema.js';
import type { ChunkTable } from './store.js';
import type { AnnQuery } from './vector-index.js';

export type SearchMode = 'hybrid' | 'vector' | 'fts';

/**
 * How the full-text index tokenises: split on anything not a letter or digit, lower-case, nothing
 * stemmed or dropped, positions kept (phrases). `retrieval/fulltext.ts` tokenises the same way, so
 * "contains this token" means the same thing to the index and to the ranking.
 */
export const FTS_INDEX = {
  withPosition: true,
  baseTokenizer: 'simple',
  lowercase: true,
  stem: false,
  removeStopWords: false,
  asciiFolding: false,
  maxTokenLength: 40,
} as const;

/** A query vector and how to search the index for it (the settings depend on the table's size). */
export interface VectorProbe {
  vector: Float32Array;
  ann: AnnQuery;
}

export interface ScoredChunk {
  chunk: StoredChunk;
  score: number;
}

/** The nearest permitted chunks by cosine similarity, best first (`'unfiltered'`: every chunk, the benchmarks' baseline). */
export async function nearestChunks(
  table: ChunkTable,
  where: Predicate<ChunkColumn> | 'unfiltered',
  { vector, ann }: VectorProbe,
  limit: number,
): Promise<ScoredChunk[]> {
  let query = table.raw.query().nearestTo(vector).distanceType('cosine').nprobes(ann.nprobes);
  if (ann.refineFactor) query = query.refineFactor(ann.refineFactor);
  if (ann.ef) query = query.ef(ann.ef);
  if (where !== 'unfiltered') query = query.where(where);
  const rows = await query
    // _distance named explicitly: LanceDB warns (and will stop adding it) when a projection leaves it out.
    .select([...STORED_CHUNK_COLUMNS, '_distance'])
    .limit(limit)
    .toArray();
  const chunks = parseRows(StoredChunkSchema, rows, table.name);
  return chunks.map((chunk, i) => ({ chunk, score: 1 - Number(rows[i]!._distance ?? 1) }));
}

const NO_TEXT_INDEX = /INVERTED index/;

/** A chunk containing a token, and its document. */
export interface Posting {
  chunk: string;
  doc: string;
}

/**
 * Every chunk matching `where` that contains `token` (at most `limit`), with its document. The filter
 * is applied before the limit (a pre-filter), so the answer depends only on chunks `where` permits.
 * The index's own scores are not used: they are computed over every chunk, permitted or not.
 */
export async function chunksWithToken(table: ChunkTable, where: Predicate<ChunkColumn>, token: string, limit: number): Promise<Posting[]> {
  if (!/^[\p{L}\p{N}]+$/u.test(token)) throw new Error(`not an index token: ${JSON.stringify(token)}`);
  try {
    const rows = await table.raw
      .query()
      .fullTextSearch(token, { columns: ['text'] })
      .where(where)
      .select(['chunk_id', 'doc_id', '_score'])
      .limit(limit)
      .toArray();
    return rows.map((r) => ({ chunk: String(r.chunk_id), doc: String(r.doc_id) }));
  } catch (err) {
    // A store with no text yet has no full-text index: that is "no match", not an error.
    if (NO_TEXT_INDEX.test((err as Error).message)) return [];
    throw err;
  }
}

/** The chunks with these ids that `where` permits, parsed (order not guaranteed). */
export async function chunksById(table: ChunkTable, where: Predicate<ChunkColumn>, ids: readonly string[]): Promise<StoredChunk[]> {
  if (ids.length === 0) return [];
  return table.rows(chunkWhere.and(where, chunkWhere.in('chunk_id', ids)), { select: STORED_CHUNK_COLUMNS });
}

/** Every chunk of these documents that `where` permits, parsed (order not guaranteed). */
export async function chunksOfDocuments(table: ChunkTable, where: Predicate<ChunkColumn>, docIds: readonly string[]): Promise<StoredChunk[]> {
  if (docIds.length === 0) return [];
  return table.rows(chunkWhere.and(where, chunkWhere.in('doc_id', docIds)), { select: STORED_CHUNK_COLUMNS });
}
