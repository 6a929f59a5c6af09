import { Field, Schema, Utf8 } from 'apache-arrow';
import { z } from 'zod';

/**
 * Governance state lives in the store (a LanceDB folder or object storage), never in one process's
 * memory, so every server process sharing the store sees the same switches, approvals and tasks.
 */
const text = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);

export const SwitchRowSchema = z.object({
  id: z.string(),
  scope: z.enum(['all', 'agent', 'human', 'task', 'run']),
  value: z.string(),
  reason: z.string(),
  actor: z.string(),
  actor_auth: z.string(),
  created_at: z.string(),
  revived_at: z.string().nullable(),
  revived_by: z.string().nullable(),
});
export type SwitchRow = z.infer<typeof SwitchRowSchema>;
export const switchArrowSchema = new Schema(
  ['id', 'scope', 'value', 'reason', 'actor', 'actor_auth', 'created_at'].map((n) => text(n)).concat([text('revived_at', true), text('revived_by', true)]),
);

export const ApprovalRowSchema = z.object({
  id: z.string(),
  task_id: z.string(),
  human: z.string(),
  agent: z.string(),
  run_id: z.string(),
  target_kind: z.enum(['class', 'source']),
  target_id: z.string(),
  reason: z.string(),
  status: z.enum(['pending', 'approved', 'denied']),
  requested_at: z.string(),
  decided_by: z.string().nullable(),
  decided_auth: z.string().nullable(),
  decided_at: z.string().nullable(),
  expires_at: z.string().nullable(),
  deny_reason: z.string().nullable(),
});
export type ApprovalRow = z.infer<typeof ApprovalRowSchema>;
export const approvalArrowSchema = new Schema(
  ['id', 'task_id', 'human', 'agent', 'run_id', 'target_kind', 'target_id', 'reason', 'status', 'requested_at']
    .map((n) => text(n))
    .concat(['decided_by', 'decided_auth', 'decided_at', 'expires_at', 'deny_reason'].map((n) => text(n, true))),
);

export const TaskRowSchema = z.object({
  task_id: z.string(),
  jti: z.string(),
  human: z.string(),
  agent: z.string(),
  purpose: z.string(),
  scope: z.string(),
  issued_at: z.string(),
  expires_at: z.string(),
  issued_by: z.string(),
  revoked_at: z.string().nullable(),
  revoked_by: z.string().nullable(),
});
export type TaskRow = z.infer<typeof TaskRowSchema>;
export const taskArrowSchema = new Schema(
  ['task_id', 'jti', 'human', 'agent', 'purpose', 'scope', 'issued_at', 'expires_at', 'issued_by']
    .map((n) => text(n))
    .concat([text('revoked_at', true), text('revoked_by', true)]),
);

export const GOVERNANCE_TABLES = { switches: 'gov_switches', approvals: 'gov_approvals', tasks: 'gov_tasks' } as const;
