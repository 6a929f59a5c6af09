import { z } from 'zod';
import { SecretsModeSchema } from '../../labels/secrets.js';

/** A [start, end) range of characters. */
export const SpanSchema = z.object({ start: z.number().int().min(0), end: z.number().int().min(0) });
export type Span = z.infer<typeof SpanSchema>;

/**
 * One thing found in a document: what kind, which rule, and where, in the document's own (parsed,
 * unredacted) title or text. Never the matched value: reports and logs carry only these.
 */
export const FindingSchema = SpanSchema.extend({
  kind: z.string(),
  rule: z.string(),
  field: z.enum(['title', 'text']),
});
export type Finding = z.infer<typeof FindingSchema>;

/** What ingest did about the findings in one document. */
export const DocFindingsSchema = z.object({
  path: z.string(),
  docId: z.string(),
  dataClass: z.string(),
  mode: SecretsModeSchema,
  findings: z.array(FindingSchema),
});
export type DocFindings = z.infer<typeof DocFindingsSchema>;
