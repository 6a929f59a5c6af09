import { z } from 'zod';
import { IdSchema } from '../labels/ids.js';
import { IdpGroupsSchema, TaskScopeSchema, type RequestIdentity, type Transport } from './identity.js';
import { SubjectSchema } from './subject.js';

/** The custom claim that carries the task; external issuers may name it differently (config scopeClaim). */
export const TASK_CLAIM = 'clearance';

export const TaskClaimSchema = z.object({ task_id: z.string().min(1).max(128), purpose: z.string().min(1).max(2000), scope: TaskScopeSchema }).strict();

/**
 * A verified task grant: one human, one agent, one task, until it expires. The human is the
 * mapped subject (a policy id when the policy knows them; admission refuses anyone else).
 */
export const TaskGrantSchema = z.object({
  human: SubjectSchema,
  agent: IdSchema,
  /** The OAuth client the token was issued to, as the IdP named it (for the record). */
  client: SubjectSchema.optional(),
  taskId: z.string(),
  purpose: z.string(),
  scope: TaskScopeSchema,
  /** No task claim: each MCP session opened with this token becomes its own task (see session.ts). */
  sessionTask: z.boolean().default(false),
  /** Policy groups the IdP says the human is in, and whether they add to or replace people.csv. */
  groups: IdpGroupsSchema.optional(),
  scopes: z.array(z.string()).default([]),
  /** `jti`, Entra's `uti`, or `sha256:<hash of the token>` when the IdP sends neither. */
  jti: z.string(),
  issuer: z.string(),
  issuedAt: z.date(),
  expiresAt: z.date(),
});
export type TaskGrant = z.input<typeof TaskGrantSchema>;

/** The token is not acceptable as a credential (signature, issuer, audience, expiry, form): 401. */
export class GrantError extends Error {
  override name = 'GrantError';
}

/**
 * The token is valid, but this server will not serve it: a scope it lacks, a client or human the
 * mapping does not know. 403, never 401, so a client does not re-authenticate in a loop.
 */
export class GrantRefused extends Error {
  override name = 'GrantRefused';
  constructor(
    message: string,
    readonly missingScopes: readonly string[] = [],
  ) {
    super(message);
  }
}

export function identityFromGrant(grant: TaskGrant, runId: string, transport: Transport): RequestIdentity {
  return {
    human: grant.human,
    agent: grant.agent,
    taskId: grant.taskId,
    purpose: grant.purpose,
    runId,
    transport,
    scope: grant.scope,
    grantExpiresAt: grant.expiresAt.toISOString(),
    ...(grant.groups ? { groups: grant.groups } : {}),
  };
}
