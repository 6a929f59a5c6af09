import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { Index } from '@lancedb/lancedb';
import { Schema } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { chunkArrowSchema, EMBEDDING_DIMS, TABLES, type ChunkRow } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { VECTOR_INDEX_MIN_ROWS } from '../../src/store/vector-index.js';

/**
 * A store written before a column existed (here `doc_author`, added with git history) keeps
 * answering after an upgrade: opening it adds the missing text column as '' and new rows carry values.
 */
const row = (id: string, author?: string): ChunkRow => ({
  chunk_id: id,
  source: 'notes',
  doc_id: `notes/${id}.md`,
  doc_path: `${id}.md`,
  title: id,
  heading: '',
  doc_version: 'v1',
  ordinal: 0,
  span_start: 0,
  span_end: 5,
  text: 'hello',
  chunk_hash: 'h',
  data_class: 'public',
  owner: 'group:everyone',
  acl_source: ['group:everyone'],
  acl_doc: ['group:everyone'],
  doc_updated_at: '2026-01-01T00:00:00.000Z',
  doc_author: author ?? '',
  ingested_at: '2026-01-01T00:00:00.000Z',
  vector: Array.from({ length: EMBEDDING_DIMS }, () => 0.1),
});

describe('store upgrade', () => {
  it('a chunks table without doc_author opens, reads as "" and takes new rows with an author', async () => {
    const uri = mkdtempSync(path.join(tmpdir(), 'clearance-upgrade-'));
    const old = new Schema(chunkArrowSchema.fields.filter((f) => f.name !== 'doc_author'));
    const db = await lancedb.connect(uri);
    const { doc_author: _dropped, ...oldRow } = row('a');
    await db.createTable(TABLES.chunks, lancedb.makeArrowTable([oldRow], { schema: old }), { schema: old });
    expect((await (await db.openTable(TABLES.chunks)).schema()).fields.map((f) => f.name)).not.toContain('doc_author');

    const store = await Store.open({ storeUri: uri, storageOptions: {}, readConsistencySeconds: 0 });
    const chunks = await store.chunks();
    expect((await chunks.rows()).map((r) => [r.chunk_id, r.doc_author])).toEqual([['a', '']]);
    await chunks.upsert('chunk_id', [row('b', 'Bea')]);
    expect((await chunks.rows()).map((r) => [r.chunk_id, r.doc_author]).sort()).toEqual([
      ['a', ''],
      ['b', 'Bea'],
    ]);
    store.close();
  });

  it('a store indexed with IVF_PQ before issue 19 is queried with exact re-ranking until re-indexed, then gets IVF_FLAT', async () => {
    const uri = mkdtempSync(path.join(tmpdir(), 'clearance-upgrade-'));
    const store = await Store.open({ storeUri: uri, storageOptions: {}, readConsistencySeconds: 0 });
    const chunks = await store.chunks();
    let seed = 7;
    const next = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5;
    const rows = Array.from({ length: VECTOR_INDEX_MIN_ROWS }, (_, i) => ({ ...row(`c${i}`), vector: Array.from({ length: EMBEDDING_DIMS }, next) }));
    await chunks.add(rows);
    expect(await store.vectorIndexOutdated()).toBe(true); // large enough, and no index yet
    // What Clearance built before: IVF_PQ over √rows partitions.
    await chunks.raw.createIndex('vector', { config: Index.ivfPq({ distanceType: 'cosine', numPartitions: 71 }) });
    expect(await store.vectorIndexOutdated()).toBe(true);
    expect(await store.annQuery(await chunks.version())).toEqual({ nprobes: 71, refineFactor: 100 });

    await store.ensureChunkIndexes();
    expect(await store.vectorIndexType()).toMatch(/flat/i);
    expect(await store.vectorIndexOutdated()).toBe(false);
    expect(await store.annQuery(await chunks.version())).toEqual({ nprobes: 71 });
    store.close();
  });
});
