import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BM25 } from '../../src/retrieval/fulltext.js';
import { documentTextScores, fullTextRanking, vectorRanking } from '../../src/retrieval/rankings.js';
import { permissionFilter } from '../../src/store/permission-filter.js';
import type { StoredChunk } from '../../src/store/schema.js';
import type { ChunkTable, Store } from '../../src/store/store.js';
import { chunkRow, tempStore } from '../helpers/chunk-rows.js';

/**
 * Whole-document full-text scores (the default ranking's per-document BM25) over a real LanceDB table:
 * a chunk the store filter excludes, or the per-chunk re-check refuses, adds no word to its
 * document's score, whatever it holds.
 */
const DIMS = 384;
const axis = (i: number, weight = 1) => Array.from({ length: DIMS }, (_, d) => (d === i ? weight : d === DIMS - 1 ? Math.sqrt(1 - weight * weight) : 0));
const QUERY = Float32Array.from(axis(0));

const row = (doc: string, ordinal: number, text: string, vector: number[], acl = ['*']) =>
  chunkRow({
    chunk_id: `${doc}#${ordinal}`,
    doc_id: doc,
    doc_path: `${doc}.md`,
    title: doc,
    doc_version: 'v1',
    ordinal,
    span_start: ordinal * 100,
    span_end: ordinal * 100 + text.length,
    text,
    chunk_hash: `${doc}-${ordinal}`,
    acl_doc: acl,
    vector,
  });

let store: Store;
let table: ChunkTable;
beforeAll(async () => {
  store = await tempStore('clearance-whole-');
  table = await store.chunks();
  await table.add([
    // "open": its best chunk for this query is refused by the re-check below.
    row('open', 0, 'kestrel habitat survey notes', axis(0, 0.3)),
    row('open', 1, 'kestrel kestrel kestrel nesting', axis(0, 0.99)),
    // "walled": its second chunk's ACL is outside the request's principals (the store filter drops it).
    row('walled', 0, 'kestrel field guide', axis(0, 0.5)),
    row('walled', 1, 'kestrel kestrel kestrel migration', axis(0, 0.98), ['group:secret']),
    row('other', 0, 'unrelated falcon text', axis(1)),
  ]);
  await store.ensureChunkIndexes();
});
afterAll(() => store?.close());

describe('whole-document full-text scores', () => {
  it('count only the words of chunks the filter permits and the re-check allows', async () => {
    const where = permissionFilter({ principals: ['*', 'user:h'], classes: [{ id: 'internal' }], sources: 'all', gatedSources: [] })!;
    const refused = new Set(['open#1']);
    const permitted = (c: StoredChunk) => !refused.has(c.chunk_id);
    const [vector, text] = await Promise.all([
      vectorRanking(table, where, { vector: QUERY, ann: { nprobes: 1 } }, 10),
      fullTextRanking(table, where, 'kestrel', 10),
    ]);
    const allowed = [vector.ranked, text.ranked].map((l) => l.filter((c) => permitted(c.chunk)));
    expect(allowed.flat().map((c) => c.chunk.chunk_id)).not.toContain('walled#1');
    const scores = await documentTextScores(table, where, allowed, text.text!, permitted, DEFAULT_BM25);
    // "open" and "walled" each keep one permitted "kestrel" in a chunk of similar length: the refused
    // chunk's three and the filtered chunk's three are not counted. "other" has no query word.
    expect(scores.get('open')! / scores.get('walled')!).toBeGreaterThan(0.8);
    expect(scores.get('open')! / scores.get('walled')!).toBeLessThan(1.25);
    expect(scores.has('other')).toBe(false);

    // With the refused chunk allowed, its words count: the check above could fail.
    const all = await documentTextScores(table, where, allowed, text.text!, () => true, DEFAULT_BM25);
    expect(all.get('open')!).toBeGreaterThan(1.25 * all.get('walled')!);
  });
});
