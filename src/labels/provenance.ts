import { z } from 'zod';

/** [start, end) character offsets into the document text (an array, not a tuple: wider JSON Schema support). */
export const SpanSchema = z.array(z.number().int()).length(2);

/**
 * Where one returned chunk came from and what let the human read it. The same value goes into the
 * answer's citation, `_meta`, the task's taint set and the audit record.
 */
export const ProvenanceSchema = z.object({
  source: z.string(),
  doc_id: z.string(),
  doc_version: z.string(),
  ordinal: z.number().int(),
  span: SpanSchema,
  chunk_hash: z.string(),
  data_class: z.string(),
  score: z.number().nullable(),
  /** `file:line` of the policy rule that let the human read the chunk's class. */
  rule: z.string(),
});
export type Provenance = z.infer<typeof ProvenanceSchema>;

/** A chunk as it leaves retrieval: its provenance, its text and what a reader needs to cite it. */
export const PassageSchema = z.object({
  result_id: z.string(),
  title: z.string(),
  heading: z.string(),
  text: z.string(),
  owner: z.string(),
  stale: z.boolean(),
  age_days: z.number().nullable(),
  provenance: ProvenanceSchema,
});
export type Passage = z.infer<typeof PassageSchema>;

/** The labels that travel with content in `_meta`, so downstream runtimes can track taint. */
export function travellingLabels(p: Provenance): Pick<Provenance, 'data_class' | 'source' | 'doc_id' | 'doc_version' | 'chunk_hash'> {
  return { data_class: p.data_class, source: p.source, doc_id: p.doc_id, doc_version: p.doc_version, chunk_hash: p.chunk_hash };
}
