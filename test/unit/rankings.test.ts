import { describe, expect, it } from 'vitest';
import { DEFAULT_RANKING, fuseDocuments } from '../../src/retrieval/rankings.js';
import type { ScoredChunk } from '../../src/store/chunk-search.js';
import type { StoredChunk } from '../../src/store/schema.js';

const chunk = (doc: string, ordinal: number): StoredChunk =>
  ({ chunk_id: `${doc}#${ordinal}`, doc_id: doc, ordinal, title: doc, text: '', heading: '' }) as unknown as StoredChunk;
const list = (...entries: [string, number, number][]): ScoredChunk[] => entries.map(([doc, ordinal, score]) => ({ chunk: chunk(doc, ordinal), score }));

describe('document-level fusion', () => {
  it('one hit per document, its chunks best first; a document in both lists outranks one in a single list', () => {
    const vector = list(['a', 0, 0.9], ['a', 1, 0.8], ['b', 0, 0.85], ['c', 0, 0.5]);
    const text = list(['b', 0, 7], ['c', 0, 3], ['a', 1, 1]);
    const hits = fuseDocuments([vector, text], DEFAULT_RANKING);
    expect(hits.map((h) => h.docId)).toEqual(['b', 'a', 'c']);
    expect(hits.find((h) => h.docId === 'a')!.chunks.map((c) => c.chunk.chunk_id)).toEqual(['a#0', 'a#1']);
    expect(new Set(hits.map((h) => h.docId)).size).toBe(hits.length);
  });

  it('scores depend only on the candidates given (no other input): the same lists give the same answer', () => {
    const vector = list(['a', 0, 0.9], ['b', 0, 0.7]);
    const text = list(['b', 0, 2]);
    expect(fuseDocuments([vector, text])).toEqual(fuseDocuments([vector, text]));
    // A single list ranks by the best chunk's own score.
    expect(fuseDocuments([vector]).map((h) => [h.docId, h.score])).toEqual([
      ['a', 0.9],
      ['b', 0.7],
    ]);
  });
});
