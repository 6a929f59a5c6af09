import { z } from 'zod';
import { PrincipalSchema } from '../labels/ids.js';

/** A parsed document before labelling: its text is what chunk spans index into. */
export const ParsedDocSchema = z.object({
  docId: z.string(),
  path: z.string(),
  title: z.string(),
  text: z.string(),
  updatedAt: z.string().nullable(),
  /** Who last changed it, where the source says (a git commit's author, a mail's sender). */
  author: z.string().optional(),
  /** Narrowing asked for by the document itself (front matter or a JSONL field). */
  readAcl: z.array(PrincipalSchema).optional(),
  dataClass: z.string().optional(),
  /** The version the source itself gives (a git blob id, an S3 ETag): it leads the stored doc_version, so a citation names it. */
  sourceVersion: z.string().optional(),
  /** For Markdown/HTML: heading lines with their offsets, for chunk context. */
  headings: z.array(z.object({ offset: z.number().int(), level: z.number().int(), text: z.string() })),
});
export type ParsedDoc = z.infer<typeof ParsedDocSchema>;

/** A file or record that was not ingested, and why: reported, never silently dropped. */
export interface Skip {
  path: string;
  reason: string;
}
