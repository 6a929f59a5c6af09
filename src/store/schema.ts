import { Field, FixedSizeList, Float32, Int32, List, Schema, Utf8 } from 'apache-arrow';
import { z } from 'zod';

export const EMBEDDING_DIMS = 384;

/** One chunk row in the `chunks` table: content, labels and provenance travel together. */
export const ChunkRowSchema = z.object({
  chunk_id: z.string(),
  source: z.string(),
  doc_id: z.string(),
  doc_path: z.string(),
  title: z.string(),
  heading: z.string(),
  doc_version: z.string(),
  ordinal: z.number().int().min(0),
  span_start: z.number().int().min(0),
  span_end: z.number().int().min(0),
  text: z.string(),
  chunk_hash: z.string(),
  data_class: z.string(),
  owner: z.string(),
  acl_source: z.array(z.string()).min(1),
  acl_doc: z.array(z.string()).min(1),
  doc_updated_at: z.string(),
  /** Who last changed the document, as its source records it (a git commit's author, a mail's sender); '' when it does not say. */
  doc_author: z.string(),
  ingested_at: z.string(),
  vector: z.array(z.number()).length(EMBEDDING_DIMS),
});
export type ChunkRow = z.infer<typeof ChunkRowSchema>;

/** A chunk as read back for answers and checks: everything but its vector. */
export const StoredChunkSchema = ChunkRowSchema.omit({ vector: true });
export type StoredChunk = z.infer<typeof StoredChunkSchema>;
export type ChunkColumn = keyof ChunkRow;
/** Every column but the vector: what a search or lookup reads. */
export const STORED_CHUNK_COLUMNS = Object.keys(StoredChunkSchema.shape) as (keyof StoredChunk)[];

const utf8 = (name: string) => new Field(name, new Utf8(), false);
const list = (name: string) => new Field(name, new List(new Field('item', new Utf8(), true)), false);

export const chunkArrowSchema = new Schema([
  utf8('chunk_id'),
  utf8('source'),
  utf8('doc_id'),
  utf8('doc_path'),
  utf8('title'),
  utf8('heading'),
  utf8('doc_version'),
  new Field('ordinal', new Int32(), false),
  new Field('span_start', new Int32(), false),
  new Field('span_end', new Int32(), false),
  utf8('text'),
  utf8('chunk_hash'),
  utf8('data_class'),
  utf8('owner'),
  list('acl_source'),
  list('acl_doc'),
  utf8('doc_updated_at'),
  utf8('doc_author'),
  utf8('ingested_at'),
  new Field('vector', new FixedSizeList(EMBEDDING_DIMS, new Field('item', new Float32(), true)), false),
]);

/** One row per ingested source: what `clearance sources` and `list_sources` show. */
export const SourceRowSchema = z.object({
  source: z.string(),
  title: z.string(),
  data_class: z.string(),
  owner: z.string(),
  acl_source: z.array(z.string()).min(1),
  max_age_days: z.number().int().nullable(),
  review_by: z.string().nullable(),
  manifest_hash: z.string(),
  doc_count: z.number().int(),
  chunk_count: z.number().int(),
  last_ingest_at: z.string(),
});
export type SourceRow = z.infer<typeof SourceRowSchema>;
export type SourceColumn = keyof SourceRow;

export const sourceArrowSchema = new Schema([
  utf8('source'),
  utf8('title'),
  utf8('data_class'),
  utf8('owner'),
  list('acl_source'),
  new Field('max_age_days', new Int32(), true),
  new Field('review_by', new Utf8(), true),
  utf8('manifest_hash'),
  new Field('doc_count', new Int32(), false),
  new Field('chunk_count', new Int32(), false),
  utf8('last_ingest_at'),
]);

/** Key/value facts about the store, e.g. which embedding model wrote the vectors. */
export const MetaRowSchema = z.object({ key: z.string(), value: z.string() });
export type MetaRow = z.infer<typeof MetaRowSchema>;
export const metaArrowSchema = new Schema([utf8('key'), utf8('value')]);

export const TABLES = { chunks: 'chunks', sources: 'sources', meta: 'store_meta' } as const;
