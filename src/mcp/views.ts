import { z } from 'zod';
import { ProvenanceSchema, SpanSchema, type Passage } from '../labels/provenance.js';
import type { FetchedDocument } from '../retrieval/fetch.js';
import type { SourceListing } from '../retrieval/sources.js';

/** Where a passage is in its document: the provenance fields an agent cites. */
const CitationSchema = ProvenanceSchema.pick({ source: true, doc_id: true, doc_version: true, ordinal: true, span: true, chunk_hash: true });

/** Another matching passage of the same document (document granularity): its own chunk citation. */
export const MorePassageSchema = z.object({
  result_id: z.string(),
  heading: z.string(),
  text: z.string(),
  citation: CitationSchema,
  score: z.number(),
});
export type MorePassage = z.infer<typeof MorePassageSchema>;

/** What agents see of a passage, a document and a source: the tools' output shapes, one mapping each. */
export const CitedChunkSchema = z.object({
  result_id: z.string().describe('pass to `fetch` for the whole document'),
  title: z.string(),
  heading: z.string(),
  text: z.string(),
  citation: CitationSchema,
  data_class: z.string(),
  owner: z.string(),
  score: z.number(),
  stale: z.boolean(),
  age_days: z.number().nullable(),
  more_passages: z
    .array(MorePassageSchema)
    .optional()
    .describe("document granularity: the document's other matching passages, best first (each with its own chunk citation)"),
});
export type CitedChunk = z.infer<typeof CitedChunkSchema>;

function toMorePassage(p: Passage): MorePassage {
  const { source, doc_id, doc_version, ordinal, span, chunk_hash, score } = p.provenance;
  return { result_id: p.result_id, heading: p.heading, text: p.text, citation: { source, doc_id, doc_version, ordinal, span, chunk_hash }, score: score ?? 0 };
}

/** A passage as a result; at document granularity with the document's other matching passages. */
export function toCitedChunk(p: Passage, more?: Passage[]): CitedChunk {
  const { source, doc_id, doc_version, ordinal, span, chunk_hash, data_class, score } = p.provenance;
  return {
    result_id: p.result_id,
    title: p.title,
    heading: p.heading,
    text: p.text,
    citation: { source, doc_id, doc_version, ordinal, span, chunk_hash },
    data_class,
    owner: p.owner,
    score: score ?? 0,
    stale: p.stale,
    age_days: p.age_days,
    ...(more ? { more_passages: more.map(toMorePassage) } : {}),
  };
}

export const DocumentViewSchema = z.object({
  doc_id: z.string(),
  title: z.string(),
  source: z.string(),
  data_class: z.string(),
  owner: z.string(),
  doc_version: z.string(),
  updated_at: z.string(),
  /** Who last changed it, where its source records that (a git commit's author, a mail's sender). */
  author: z.string().nullable(),
  stale: z.boolean(),
  text: z.string(),
  chunks: z.array(z.object({ result_id: z.string(), ordinal: z.number().int(), span: SpanSchema, chunk_hash: z.string() })),
});
export type DocumentView = z.infer<typeof DocumentViewSchema>;

export function toDocumentView(doc: FetchedDocument): DocumentView {
  return {
    doc_id: doc.docId,
    title: doc.title,
    source: doc.source,
    data_class: doc.dataClass,
    owner: doc.owner,
    doc_version: doc.docVersion,
    updated_at: doc.updatedAt,
    author: doc.author,
    stale: doc.stale,
    text: doc.text,
    chunks: doc.passages.map((p) => ({ result_id: p.result_id, ordinal: p.provenance.ordinal, span: p.provenance.span, chunk_hash: p.provenance.chunk_hash })),
  };
}

export const SourceViewSchema = z.object({
  source: z.string(),
  title: z.string(),
  data_class: z.string(),
  owner: z.string(),
  freshness: z.string(),
  stale: z.boolean(),
  needs_approval: z.boolean(),
  approved_until: z.string().nullable(),
});
export type SourceView = z.infer<typeof SourceViewSchema>;

export function toSourceView(s: SourceListing): SourceView {
  return {
    source: s.source,
    title: s.title,
    data_class: s.dataClass,
    owner: s.owner,
    freshness: s.freshness,
    stale: s.stale,
    needs_approval: s.needsApproval,
    approved_until: s.approvedUntil,
  };
}
