import { z } from 'zod';
import { IdSchema } from '../labels/ids.js';
import { TaskScopeSchema, type RequestIdentity, type Transport } from './identity.js';

/** The custom claim that carries the task; external issuers may name it differently (config scopeClaim). */
export const TASK_CLAIM = 'clearance';

export const TaskClaimSchema = z.object({ task_id: z.string().min(1).max(128), purpose: z.string().min(1).max(2000), scope: TaskScopeSchema }).strict();

/** A verified task grant: one human, one agent, one task, until it expires. */
export const TaskGrantSchema = z.object({
  human: IdSchema,
  agent: IdSchema,
  taskId: z.string(),
  purpose: z.string(),
  scope: TaskScopeSchema,
  jti: z.string(),
  issuer: z.string(),
  issuedAt: z.date(),
  expiresAt: z.date(),
});
export type TaskGrant = z.infer<typeof TaskGrantSchema>;

export class GrantError extends Error {
  override name = 'GrantError';
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
  };
}
