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

describe('fusion options', () => {
  const vector = list(['a', 0, 0.9], ['b', 0, 0.8], ['c', 0, 0.3]);
  const text = list(['c', 0, 9], ['a', 0, 5], ['d', 0, 1]);
  it('whole-document full-text scores replace the text list: a document found only by the vector list is scored too', () => {
    const chunkLevel = fuseDocuments([vector, text], { ...DEFAULT_RANKING, fullText: 'chunk', normalise: 'min-max', vectorWeight: 0.5 });
    const documentLevel = fuseDocuments(
      [vector, text],
      { ...DEFAULT_RANKING, fullText: 'document', normalise: 'min-max', vectorWeight: 0.5 },
      new Map([
        ['b', 10],
        ['c', 9],
        ['a', 5],
        ['d', 1],
      ]),
    );
    expect(chunkLevel.map((h) => h.docId)).toEqual(['a', 'c', 'b', 'd']);
    expect(documentLevel.map((h) => h.docId)).toEqual(['b', 'a', 'c', 'd']);
    // b's passages are still only the chunks a ranking returned.
    expect(documentLevel[0]!.chunks.map((c) => c.chunk.chunk_id)).toEqual(['b#0']);
  });

  it("z-scores: a document missing from a list takes that list's lowest score, not zero", () => {
    const vector = list(['a', 0, 0.9], ['b', 0, 0.8], ['c', 0, 0.1]);
    const text = list(['c', 0, 9], ['a', 0, 1]);
    const z = fuseDocuments([vector, text], { ...DEFAULT_RANKING, normalise: 'z-score', fullText: 'chunk', vectorWeight: 0.5 });
    const byDoc = new Map(z.map((h) => [h.docId, h.score]));
    // text z-scores: c +1, a −1; b is missing there, so it counts as a's −1.
    expect(byDoc.get('b')! - byDoc.get('a')!).toBeCloseTo(0.5 * ((0.8 - 0.9) / Math.sqrt(((0.9 - 0.6) ** 2 + (0.8 - 0.6) ** 2 + (0.1 - 0.6) ** 2) / 3)), 10);
    expect(z.map((h) => h.docId)).toEqual(['a', 'c', 'b']);
  });
});
