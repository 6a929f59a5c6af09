import { randomUUID } from 'node:crypto';
import type { Gate } from '../gate/gate.js';
import type { TaskGrant } from '../identity/grant.js';
import { identityFromGrant } from '../identity/grant.js';
import type { RequestIdentity, Transport } from '../identity/identity.js';
import type { CallRate } from '../config/quotas.js';
import type { AuditPort } from './audit-port.js';
import type { CorePorts } from './core-ports.js';
import { RunState } from './run-state.js';

export class SessionRefused extends Error {
  override name = 'SessionRefused';
}

/** One run: who it is for, what it has received, and the ports every call goes through. */
export interface Session {
  identity: RequestIdentity;
  run: RunState;
  gate: Gate;
  core: CorePorts;
  audit: AuditPort;
  rate: CallRate;
}

export interface SessionDeps {
  gate: Gate;
  core: CorePorts;
  audit: AuditPort;
  /** Calls per task per minute, shared by every session of this process. */
  rate: CallRate;
  /** Fails closed for unknown humans/agents and revoked tasks; records a session's own task. */
  admit(grant: TaskGrant): Promise<void>;
}

/** A run starts when an MCP session opens under a verified task grant; the start is audited first. */
export async function startRun(deps: SessionDeps, token: TaskGrant, transport: Transport): Promise<Session> {
  // An IdP token without a task claim: this session is the task (admission records it like any task).
  const grant = token.sessionTask ? { ...token, taskId: `session_${randomUUID()}` } : token;
  await deps.admit(grant);
  const run = new RunState(`run_${randomUUID()}`);
  const identity = identityFromGrant(grant, run.runId, transport);
  const { authority } = await deps.gate.enter(identity);
  await deps.audit.recordRun({
    identity,
    kind: 'run.start',
    methodsAllowed: authority.methods,
    classesReachable: authority.classes.map((c) => c.id),
    classesWithApproval: authority.withApproval,
    sourcesInScope: authority.sources,
    policyVersion: authority.policyVersion,
  });
  return { identity, run, gate: deps.gate, core: deps.core, audit: deps.audit, rate: deps.rate };
}

export async function endRun(session: Session, endReason: string): Promise<void> {
  await session.audit.recordRun({
    identity: session.identity,
    kind: 'run.end',
    methodsAllowed: [],
    classesReachable: [],
    classesWithApproval: [],
    sourcesInScope: [],
    received: { classes: [...session.run.classes].sort(), sources: [...session.run.sources].sort(), calls: session.run.calls },
    endReason,
  });
}
