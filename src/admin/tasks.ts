import type { App } from '../app/app.js';
import type { Actor } from '../governance/governance.js';
import type { TaskRow } from '../governance/tables.js';
import type { TaskGrant } from '../identity/grant.js';
import type { TaskScope } from '../identity/identity.js';
import { publishVerificationKey } from '../identity/key-registry.js';
import { mintGrant } from '../identity/mint.js';
import type { PolicyEngine } from '../policy/engine.js';
import { auditAdmin } from './record.js';

export class AdminError extends Error {
  override name = 'AdminError';
}

/** A task's scope may only narrow: every class, source and method named must be within the agent workflow and the human's reach. */
export function checkScopeNarrows(policy: PolicyEngine, knownSources: ReadonlySet<string>, human: string, agent: string, scope: TaskScope): void {
  if (!policy.isHuman(human)) throw new AdminError(`--owner ${human}: not a known human (people are listed in policy/people.csv)`);
  if (!policy.isAgent(agent)) throw new AdminError(`--agent ${agent}: no such agent workflow (see policy/agents.csv: ${policy.knownAgents().join(', ')})`);
  for (const c of scope.classes ?? []) {
    if (!policy.classInfo(c)) throw new AdminError(`--classes: unknown data class "${c}"`);
    if (!policy.agentUses(agent, 'class', c).allowed) throw new AdminError(`--classes: ${agent}'s workflow does not include "${c}"; a task can only narrow it`);
    if (policy.classAccess(human, c).access === 'none')
      throw new AdminError(`--classes: ${human} cannot read "${c}"; a task can only narrow the human's rights`);
  }
  for (const s of scope.sources ?? []) {
    if (!knownSources.has(s)) throw new AdminError(`--sources: no ingested source "${s}" (see \`clearance sources\`)`);
  }
  for (const m of scope.methods ?? []) {
    if (!policy.methodAllowed(agent, m).allowed) throw new AdminError(`--methods: ${agent}'s workflow does not allow "${m}"`);
  }
}

export interface StartTask {
  human: string;
  agent: string;
  purpose: string;
  scope: TaskScope;
  ttlSeconds: number;
  actor: Actor;
}

/** Mints a task grant after the narrowing check, publishes the verification key, records and audits the task. */
export async function startTask(app: App, request: StartTask): Promise<{ token: string; grant: TaskGrant }> {
  checkScopeNarrows(app.policy(), new Set((await app.sources.all()).keys()), request.human, request.agent, request.scope);
  const key = await app.signingKey();
  const minted = await mintGrant(key, app.config, {
    human: request.human,
    agent: request.agent,
    purpose: request.purpose,
    scope: request.scope,
    ttlSeconds: request.ttlSeconds,
  });
  const { grant } = minted;
  await publishVerificationKey(app.store, key);
  const row: TaskRow = {
    task_id: grant.taskId,
    jti: grant.jti,
    human: grant.human,
    agent: grant.agent,
    purpose: grant.purpose,
    scope: JSON.stringify(request.scope),
    issued_at: grant.issuedAt.toISOString(),
    expires_at: grant.expiresAt.toISOString(),
    issued_by: request.actor.human,
    revoked_at: null,
    revoked_by: null,
  };
  await app.governance.recordTask(row);
  await auditAdmin(app, {
    action: 'task.start',
    target: grant.taskId,
    actor: request.actor,
    detail: { human: grant.human, agent: grant.agent, purpose: grant.purpose, scope: request.scope, expires_at: grant.expiresAt.toISOString(), jti: grant.jti },
  });
  return minted;
}

export async function revokeTask(app: App, taskId: string, reason: string, actor: Actor): Promise<TaskRow> {
  const row = await app.governance.revokeTask(taskId, actor);
  await auditAdmin(app, { action: 'task.revoke', target: taskId, actor, detail: { reason, human: row.human, agent: row.agent } });
  return row;
}
