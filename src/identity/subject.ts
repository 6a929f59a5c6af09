import { z } from 'zod';

/**
 * What an identity provider may name a person or a client with: opaque strings (emails, Okta
 * `00u…` ids, Entra's mixed-case pairwise subjects, URL-form client ids). Bounded, NFC, and free of
 * control, format and line/paragraph-separator characters, so it is safe in logs, records and
 * headers. It is never a policy id by itself: a human is only known once mapped to one, and policy
 * ids are lower-case ASCII, so a confusable or look-alike subject can never equal one.
 */
export const SUBJECT_MAX = 256;

const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

export const SubjectSchema = z
  .string()
  .min(1)
  .max(SUBJECT_MAX)
  .refine((s) => !FORBIDDEN.test(s), 'contains a control or invisible formatting character')
  .refine((s) => s === s.normalize('NFC'), 'is not NFC-normalised');
export type Subject = z.infer<typeof SubjectSchema>;

/** NFC first, then checked: an IdP may send a decomposed form of the same name. */
export function parseSubject(value: unknown): Subject | null {
  if (typeof value !== 'string') return null;
  const parsed = SubjectSchema.safeParse(value.normalize('NFC'));
  return parsed.success ? parsed.data : null;
}
