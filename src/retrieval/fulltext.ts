import type { StoredChunk } from '../store/schema.js';

/**
 * Full-text ranking whose every statistic comes from the chunks the request may read.
 *
 * The store's own BM25 scores use term statistics over the whole index, so a score would move when a
 * document the human cannot read is added (an existence oracle). Here the index only answers "which
 * permitted chunks contain this token" (a pre-filtered lookup), and the ranking is computed from
 * those answers: N = permitted chunks, df = permitted chunks containing the token, avgdl over the
 * candidates. Nothing forbidden enters any number.
 */

/** BM25 constants (Robertson/Zaragoza defaults, as Lucene and tantivy use). */
const K1 = 1.2;
const B = 0.75;
const MAX_TOKEN_CHARS = 40;
export const MAX_QUERY_TOKENS = 32;

/** The index's tokeniser: letters and digits, lower-cased (see FTS_INDEX in store/chunk-search.ts). */
export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((t) => t.length <= MAX_TOKEN_CHARS);
}

export interface FullTextQuery {
  /** Every distinct token of the query, phrase tokens included. */
  tokens: string[];
  /** Quoted phrases: each a token sequence that must appear in order. */
  phrases: string[][];
}

/** `"…"` marks a phrase; every other character is only text (no operators, so no query can fail). */
export function parseFullTextQuery(query: string): FullTextQuery {
  const phrases: string[][] = [];
  const loose = query.replace(/"([^"]*)"/g, (_m, inner: string) => {
    const words = tokenize(inner);
    if (words.length > 1) phrases.push(words);
    return ` ${inner} `;
  });
  const tokens = [...new Set([...phrases.flat(), ...tokenize(loose)])].slice(0, MAX_QUERY_TOKENS);
  return { tokens, phrases };
}

const idf = (n: number, df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));

function containsPhrase(words: string[], phrase: string[]): boolean {
  outer: for (let i = 0; i + phrase.length <= words.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (words[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}

export interface TokenPostings {
  /** Permitted chunks in all. */
  n: number;
  /** For each query token, the permitted chunks containing it. */
  postings: Map<string, Set<string>>;
  /** For each query token, the documents of those chunks. */
  documentPostings: Map<string, Set<string>>;
}

/** Document-level statistics: permitted documents in all (each document's first chunk counted). */
export type DocumentPostings = TokenPostings & { documents: number };

/**
 * The candidates worth reading in full, best first by the sum of the idf of the query tokens they
 * contain (ties by id): every chunk that can contain each phrase, at most `pool`.
 */
export function preRank(query: FullTextQuery, stats: TokenPostings, pool: number): string[] {
  const weight = new Map<string, number>();
  for (const ids of stats.postings.values()) {
    const w = idf(stats.n, ids.size);
    for (const id of ids) weight.set(id, (weight.get(id) ?? 0) + w);
  }
  const inEvery = (id: string) => query.phrases.every((phrase) => phrase.every((t) => stats.postings.get(t)?.has(id)));
  return [...weight.entries()]
    .filter(([id]) => inEvery(id))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, pool)
    .map(([id]) => id);
}

/** BM25 parameters and the title field's weight (BM25F: the title's tokens count `titleWeight` times). */
export interface Bm25Options {
  k1: number;
  b: number;
  /** 0: the text alone (the index's field); > 0: the chunk's title is a second field of that weight. */
  titleWeight: number;
}
export const DEFAULT_BM25: Bm25Options = { k1: K1, b: B, titleWeight: 0 };

/** What BM25 scores: a text's words and (BM25F) its title's. */
interface Scorable {
  words: string[];
  title: string[];
}

/**
 * BM25 over the candidates with permitted-set statistics; phrase queries keep only candidates with
 * every phrase (in the text). With a title weight, the title is a second field (BM25F: weighted term
 * frequencies and lengths; idf and avgdl still from permitted chunks only). Scores by index.
 */
function bm25(query: FullTextQuery, idfOf: (token: string) => number, items: Scorable[], options: Bm25Options): (number | null)[] {
  const { k1, b, titleWeight } = options;
  const lengthOf = (c: Scorable) => c.words.length + titleWeight * c.title.length;
  const avgdl = items.reduce((n, c) => n + lengthOf(c), 0) / Math.max(1, items.length);
  return items.map((c) => {
    if (!query.phrases.every((p) => containsPhrase(c.words, p))) return null;
    const tf = new Map<string, number>();
    for (const w of c.words) tf.set(w, (tf.get(w) ?? 0) + 1);
    for (const w of c.title) tf.set(w, (tf.get(w) ?? 0) + titleWeight);
    const dl = lengthOf(c);
    let score = 0;
    for (const token of query.tokens) {
      const f = tf.get(token) ?? 0;
      if (f === 0) continue;
      score += idfOf(token) * ((f * (k1 + 1)) / (f + k1 * (1 - b + (b * dl) / (avgdl || 1))));
    }
    return score > 0 ? score : null;
  });
}

const titleWords = (title: string, options: Bm25Options) => (options.titleWeight > 0 ? tokenize(title) : []);

/** BM25 over candidate chunks, best first (see `bm25`). */
export function rankFullText(
  query: FullTextQuery,
  stats: TokenPostings,
  candidates: StoredChunk[],
  options: Bm25Options = DEFAULT_BM25,
): { chunk: StoredChunk; score: number }[] {
  const scores = bm25(
    query,
    (t) => idf(stats.n, stats.postings.get(t)?.size ?? 0),
    candidates.map((chunk) => ({ words: tokenize(chunk.text), title: titleWords(chunk.title, options) })),
    options,
  );
  return candidates
    .flatMap((chunk, i) => (scores[i] === null ? [] : [{ chunk, score: scores[i]! }]))
    .sort((a, b) => b.score - a.score || (a.chunk.chunk_id < b.chunk.chunk_id ? -1 : 1));
}

/** A document's words as its chunks cover it: spans in order, each overlap counted once, a gap (a chunk not given) left out. */
export function documentWords(chunks: StoredChunk[]): string[] {
  const parts: string[] = [];
  let end = 0;
  for (const c of [...chunks].sort((a, b) => a.span_start - b.span_start || a.ordinal - b.ordinal)) {
    if (c.span_end <= end) continue;
    parts.push(c.text.slice(Math.max(0, end - c.span_start)));
    end = c.span_end;
  }
  return tokenize(parts.join(' '));
}

/**
 * BM25 over whole documents, each rebuilt from the chunks given (the permitted ones): a document is
 * judged on all its text, not its best-matching window. N and df count permitted documents, avgdl
 * is over these documents. Best first.
 */
export function rankDocumentsFullText(
  query: FullTextQuery,
  stats: DocumentPostings,
  documents: Map<string, StoredChunk[]>,
  options: Bm25Options = DEFAULT_BM25,
): Map<string, number> {
  const ids = [...documents.keys()];
  const scores = bm25(
    query,
    (t) => idf(Math.max(stats.documents, stats.documentPostings.get(t)?.size ?? 0), stats.documentPostings.get(t)?.size ?? 0),
    ids.map((id) => {
      const chunks = documents.get(id)!;
      return { words: documentWords(chunks), title: titleWords(chunks[0]?.title ?? '', options) };
    }),
    options,
  );
  const scored = ids.flatMap((id, i): [string, number][] => (scores[i] === null ? [] : [[id, scores[i]!]]));
  return new Map(scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}
