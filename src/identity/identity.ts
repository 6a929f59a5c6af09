import { z } from 'zod';
import { IdSchema } from '../labels/ids.js';

export const METHODS = ['search', 'fetch', 'list_sources', 'request_access', 'session_info', 'check_release'] as const;
export const MethodSchema = z.enum(METHODS);
export type Method = z.infer<typeof MethodSchema>;

/** What a task grant narrows to. Absent = no narrowing beyond the agent workflow and the human's rights. */
export const TaskScopeSchema = z
  .object({
    sources: z.array(IdSchema).optional(),
    classes: z.array(IdSchema).optional(),
    methods: z.array(MethodSchema).optional(),
  })
  .strict();
export type TaskScope = z.infer<typeof TaskScopeSchema>;

export const TransportSchema = z.enum(['stdio', 'http', 'cli', 'test']);
export type Transport = z.infer<typeof TransportSchema>;

/**
 * Groups an identity provider asserted for the human, already mapped to policy group ids. `add`:
 * they widen the human's people.csv memberships; `replace`: only they (and `group:everyone`) count.
 */
export const IdpGroupsSchema = z.object({ rule: z.enum(['add', 'replace']), ids: z.array(IdSchema) }).strict();
export type IdpGroups = z.infer<typeof IdpGroupsSchema>;

/**
 * Who is asking, for what: built once per request from a verified task grant (never from tool
 * arguments or module state) and passed down explicitly.
 */
export const RequestIdentitySchema = z
  .object({
    human: IdSchema,
    agent: IdSchema,
    taskId: z.string().min(1).max(128),
    purpose: z.string().max(2000),
    runId: z.string().min(1).max(128),
    transport: TransportSchema,
    scope: TaskScopeSchema,
    grantExpiresAt: z.string(),
    groups: IdpGroupsSchema.optional(),
  })
  .strict();
export type RequestIdentity = z.infer<typeof RequestIdentitySchema>;

/** A live, decided approval that lets one task read one gated class or source. */
export const ApprovalSchema = z.object({
  id: z.string(),
  taskId: z.string(),
  human: IdSchema,
  target: z.object({ kind: z.enum(['class', 'source']), id: IdSchema }),
  approver: IdSchema,
  expiresAt: z.string(),
});
export type Approval = z.infer<typeof ApprovalSchema>;
