import type { Embedder } from '../embed/embedder.js';
import { chunkWhere } from '../store/permission-filter.js';
import type { ChunkRow } from '../store/schema.js';
import type { ChunkTable } from '../store/store.js';
import { chunkDocument, type ChunkOptions } from './chunker.js';
import { sha256, type PlannedDoc } from './plan.js';

/** The text that is embedded: title and heading give a chunk its context. */
export function embeddingInput(title: string, heading: string, text: string): string {
  return heading && heading !== title ? `${title} — ${heading}\n${text}` : `${title}\n${text}`;
}

function rowsFor(plan: PlannedDoc, source: string, chunks: ReturnType<typeof chunkDocument>, vectors: Float32Array[], now: string): ChunkRow[] {
  return chunks.map((chunk, i) => ({
    chunk_id: sha256(`${plan.doc.docId}\0${plan.version}\0${chunk.ordinal}`).slice(0, 32),
    source,
    doc_id: plan.doc.docId,
    doc_path: plan.doc.path,
    title: plan.doc.title,
    heading: chunk.heading,
    doc_version: plan.version,
    ordinal: chunk.ordinal,
    span_start: chunk.start,
    span_end: chunk.end,
    text: chunk.text,
    chunk_hash: sha256(chunk.text),
    data_class: plan.labels.dataClass,
    owner: plan.labels.owner,
    acl_source: plan.labels.aclSource,
    acl_doc: plan.labels.aclDoc,
    doc_updated_at: plan.updatedAt,
    doc_author: plan.doc.author ?? '',
    ingested_at: now,
    vector: Array.from(vectors[i]!),
  }));
}

/** Chunks and embeds a batch of documents together (full model batches, not one small batch per document). */
export async function embedDocuments(embedder: Embedder, source: string, batch: PlannedDoc[], chunking?: ChunkOptions): Promise<ChunkRow[]> {
  const now = new Date().toISOString();
  const chunked = batch.map((plan) => ({ plan, chunks: chunkDocument(plan.doc, embedder, chunking) }));
  const vectors = await embedder.embed(chunked.flatMap(({ plan, chunks }) => chunks.map((c) => embeddingInput(plan.doc.title, c.heading, c.text))));
  const rows: ChunkRow[] = [];
  let offset = 0;
  for (const { plan, chunks } of chunked) {
    rows.push(...rowsFor(plan, source, chunks, vectors.slice(offset, offset + chunks.length), now));
    offset += chunks.length;
  }
  return rows;
}

/** Replaces documents in ONE commit: their new chunks in, their old chunks out. */
export async function commitDocuments(table: ChunkTable, docIds: string[], rows: ChunkRow[]): Promise<number> {
  await table.replace('chunk_id', rows, chunkWhere.in('doc_id', docIds));
  return rows.length;
}

/** Label-only change: the rows with their existing vectors and the new labels, no embedding. */
export async function relabelledRows(table: ChunkTable, plans: PlannedDoc[]): Promise<ChunkRow[]> {
  if (plans.length === 0) return [];
  const byDoc = new Map(plans.map((p) => [p.doc.docId, p]));
  const rows = await table.rows(chunkWhere.in('doc_id', [...byDoc.keys()]));
  return rows.map((row) => {
    const { labels } = byDoc.get(row.doc_id)!;
    return { ...row, acl_source: labels.aclSource, acl_doc: labels.aclDoc, data_class: labels.dataClass, owner: labels.owner };
  });
}
