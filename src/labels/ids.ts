import { z } from 'zod';

/** Ids of sources, classes, people and agents in the policy and the manifests. */
export const IdSchema = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, { message: 'use lower-case letters, digits, "_", "." or "-" (max 64)' });

/** A principal in an ACL: a human, a group, or everyone. */
export const PrincipalSchema = z.string().regex(/^(\*|user:[a-z0-9][a-z0-9_.-]{0,63}|group:[a-z0-9][a-z0-9_.-]{0,63})$/, {
  message: 'must be "*", "user:<id>" or "group:<id>" (lower-case letters, digits, "_", "." or "-")',
});
export type Principal = z.infer<typeof PrincipalSchema>;

/** Which sources a request may reach: every source (subject to the per-chunk checks) or exactly these. */
export const SourceReachSchema = z.union([z.literal('all'), z.array(z.string())]);
export type SourceReach = z.infer<typeof SourceReachSchema>;
