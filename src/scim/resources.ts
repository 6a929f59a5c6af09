import { z } from 'zod';
import type { ProvisionedGroup, ProvisionedUser } from '../policy/provisioned.js';
import { ScimError } from './errors.js';

export const SCHEMA = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  list: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patch: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
} as const;

const schemasWith = (urn: string) => z.array(z.string()).refine((s) => s.includes(urn), { message: `must include "${urn}"` });

/** IdPs send `"False"` as well as `false` (Entra ID); anything else is not a boolean. */
export const ScimBoolean = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False']).transform((v) => v.toLowerCase() === 'true')]);
const Text = z.string().min(1).max(256);

/**
 * A User as a client sends it. Attributes Clearance does not keep (name, emails, …) are accepted and
 * ignored: only who the person is and whether they are active matters to the policy.
 */
export const UserInputSchema = z.looseObject({
  schemas: schemasWith(SCHEMA.user),
  userName: Text,
  externalId: Text.optional(),
  displayName: Text.optional(),
  active: ScimBoolean.default(true),
});
export type UserInput = z.infer<typeof UserInputSchema>;

export const MemberSchema = z.looseObject({
  value: z.string().min(1).max(256),
  type: z.enum(['User', 'Group']).optional(),
});

export const GroupInputSchema = z.looseObject({
  schemas: schemasWith(SCHEMA.group),
  displayName: Text,
  externalId: Text.optional(),
  members: z.array(MemberSchema).default([]),
});
export type GroupInput = z.infer<typeof GroupInputSchema>;

export const PatchOpSchema = z.object({
  schemas: schemasWith(SCHEMA.patch),
  Operations: z
    .array(
      z.looseObject({
        // Entra ID sends "Replace", "Add", "Remove".
        op: z
          .string()
          .transform((op) => op.toLowerCase())
          .pipe(z.enum(['add', 'replace', 'remove'])),
        path: z.string().min(1).max(512).optional(),
        value: z.unknown().optional(),
      }),
    )
    .min(1),
});
export type PatchOp = z.infer<typeof PatchOpSchema>['Operations'][number];

/** Parses a request body, or a 400 `invalidValue` (`invalidSyntax` when it is no object) naming the field and the fix. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ScimError(400, `the body must be a JSON object (a SCIM ${what})`, 'invalidSyntax');
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.') || '(body)';
  const scimType = issue.code === 'invalid_type' && issue.input === undefined ? 'invalidSyntax' : 'invalidValue';
  throw new ScimError(400, `${what}: field "${field}": ${issue.message}`, scimType);
}

const meta = (resourceType: 'User' | 'Group', row: { id: string; created_at: string; updated_at: string }, base: string) => ({
  resourceType,
  created: row.created_at,
  lastModified: row.updated_at,
  location: `${base}/${resourceType}s/${row.id}`,
  version: `W/"${row.updated_at}"`,
});

export function userResource(row: ProvisionedUser, base: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA.user],
    id: row.id,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    userName: row.user_name,
    ...(row.display_name !== null ? { displayName: row.display_name } : {}),
    active: row.status === 'active',
    meta: meta('User', row, base),
  };
}

export function groupResource(row: ProvisionedGroup, base: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA.group],
    id: row.id,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    displayName: row.display_name,
    members: row.members.map((value) => ({ value, type: 'User', $ref: `${base}/Users/${value}` })),
    meta: meta('Group', row, base),
  };
}

/** At most this many resources per page (ServiceProviderConfig `filter.maxResults`). */
export const MAX_RESULTS = 1000;

/** RFC 7644 §3.4.2: 1-based `startIndex`, `count` (0 gives only the total; at most MAX_RESULTS). */
export function listResponse(resources: Record<string, unknown>[], query: { startIndex?: unknown; count?: unknown }): Record<string, unknown> {
  const int = (v: unknown, fallback: number, name: string) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new ScimError(400, `${name}=${JSON.stringify(v)}: use a whole number`, 'invalidValue');
    return n;
  };
  const start = Math.max(1, int(query.startIndex, 1, 'startIndex'));
  const count = Math.min(MAX_RESULTS, Math.max(0, int(query.count, resources.length, 'count')));
  const page = resources.slice(start - 1, start - 1 + count);
  return { schemas: [SCHEMA.list], totalResults: resources.length, startIndex: start, itemsPerPage: page.length, Resources: page };
}
