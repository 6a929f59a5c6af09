import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { Schema } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { chunkArrowSchema, EMBEDDING_DIMS, TABLES, type ChunkRow } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';

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
});
