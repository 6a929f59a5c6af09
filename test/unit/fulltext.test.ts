import { describe, expect, it } from 'vitest';
import { documentWords, parseFullTextQuery, rankDocumentsFullText, rankFullText, tokenize, type DocumentPostings } from '../../src/retrieval/fulltext.js';
import type { StoredChunk } from '../../src/store/schema.js';

/** Chunks of one document as the chunker makes them: each text is exactly the document's slice. */
function chunksOf(doc: string, text: string, spans: [number, number][]): StoredChunk[] {
  return spans.map(
    ([start, end], ordinal) =>
      ({
        chunk_id: `${doc}#${ordinal}`,
        doc_id: doc,
        ordinal,
        title: doc,
        text: text.slice(start, end),
        span_start: start,
        span_end: end,
      }) as unknown as StoredChunk,
  );
}

/** Statistics over `n` chunks (each its own document's, ids "<doc>#<ordinal>"). */
const stats = (n: number, postings: Record<string, string[]>): DocumentPostings => ({
  n,
  documents: n,
  postings: new Map(Object.entries(postings).map(([t, ids]) => [t, new Set(ids)])),
  documentPostings: new Map(Object.entries(postings).map(([t, ids]) => [t, new Set(ids.map((id) => id.split('#')[0]!))])),
});

describe('whole-document full-text', () => {
  const text = 'alpha beta gamma delta epsilon zeta eta theta';
  it('a document is its chunks with every overlap counted once, in span order', () => {
    const chunks = chunksOf('d', text, [
      [0, 22], // alpha beta gamma delta
      [11, 36], // gamma delta epsilon zeta (overlaps the first by "gamma delta")
      [29, text.length], // zeta eta theta
    ]);
    expect(documentWords([...chunks].reverse())).toEqual(tokenize(text));
  });

  it('a missing chunk leaves a gap, never a merged word', () => {
    const chunks = chunksOf('d', text, [
      [0, 10],
      [23, 36],
    ]);
    expect(documentWords(chunks)).toEqual(['alpha', 'beta', 'epsilon', 'zeta']);
  });

  it('scores a document on all its text: terms split across chunks add up, and a chunk-level ranking cannot see that', () => {
    const split = chunksOf('split', 'kinase inhibitor trial. unrelated words here. receptor binding assay', [
      [0, 23],
      [24, 69],
    ]);
    const single = chunksOf('single', 'kinase inhibitor trial with placebo arm only', [[0, 44]]);
    const query = parseFullTextQuery('kinase receptor');
    const s = stats(3, { kinase: ['split#0', 'single#0'], receptor: ['split#1'] });
    const docs = rankDocumentsFullText(
      query,
      s,
      new Map([
        ['split', split],
        ['single', single],
      ]),
      { k1: 1.2, b: 0.75, titleWeight: 0 },
    );
    expect([...docs.keys()]).toEqual(['split', 'single']);
    // At chunk level the best chunk of "split" holds one term only, like "single"'s.
    const chunks = rankFullText(query, s, [...split, ...single], { k1: 1.2, b: 0.75, titleWeight: 0 });
    expect(chunks[0]!.chunk.doc_id === 'split' && chunks[0]!.chunk.chunk_id === 'split#1').toBe(true);
  });

  it('a phrase must appear in the document, possibly across a chunk boundary it overlaps', () => {
    const doc = chunksOf('p', 'heart failure outcomes improved', [
      [0, 13],
      [6, 31],
    ]);
    const hit = rankDocumentsFullText(
      parseFullTextQuery('"failure outcomes"'),
      stats(2, { failure: ['p#0', 'p#1'], outcomes: ['p#1'] }),
      new Map([['p', doc]]),
    );
    expect(hit.size).toBe(1);
    const miss = rankDocumentsFullText(
      parseFullTextQuery('"outcomes failure"'),
      stats(2, { failure: ['p#0', 'p#1'], outcomes: ['p#1'] }),
      new Map([['p', doc]]),
    );
    expect(miss.size).toBe(0);
  });
});
