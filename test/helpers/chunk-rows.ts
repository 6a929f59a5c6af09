import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EMBEDDING_DIMS, type ChunkRow } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';

/**
 * One chunk row as the store holds it, for tests that write the chunks table directly (filter and
 * ranking properties): a readable internal chunk of source "docs" unless `row` says otherwise.
 */
export function chunkRow(row: Pick<ChunkRow, 'chunk_id'> & Partial<ChunkRow>): ChunkRow {
  const now = new Date().toISOString();
  return {
    source: 'docs',
    doc_id: `docs/${row.chunk_id}`,
    doc_path: row.chunk_id,
    title: row.chunk_id,
    heading: '',
    doc_version: 'v',
    ordinal: 0,
    span_start: 0,
    span_end: 1,
    text: '',
    chunk_hash: row.chunk_id,
    data_class: 'internal',
    owner: 'user:o',
    acl_source: ['*'],
    acl_doc: ['*'],
    doc_updated_at: now,
    doc_author: '',
    ingested_at: now,
    vector: Array<number>(EMBEDDING_DIMS).fill(0.01),
    ...row,
  };
}

/** A real LanceDB store in a fresh temporary folder (or in `root`), read-your-writes. */
export function tempStore(prefix: string, root = mkdtempSync(path.join(tmpdir(), prefix))): Promise<Store> {
  return Store.open({ storeUri: path.join(root, 'store'), storageOptions: {}, readConsistencySeconds: 0 });
}
