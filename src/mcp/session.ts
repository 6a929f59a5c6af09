import { randomUUID } from 'node:crypto';
import type { TaskGrant } from '../identity/grant.js';
import { identityFromGrant } from '../identity/grant.js';
import type { Transport } from '../identity/identity.js';
import type { AuditPort } from './audit-port.js';
import type { Session } from './pipeline.js';
import type { CorePorts } from './ports.js';
import { RunState } from './run-state.js';

export class SessionRefused extends Error {
  override name = 'SessionRefused';
}

export interface SessionDeps {
  core: CorePorts;
  audit: AuditPort;
  /** Fails closed for unknown humans/agents and revoked tasks. */
  admit(grant: TaskGrant): Promise<void>;
}

/** A run starts when an MCP session opens under a verified task grant; the start is audited first. */
export async function startRun(deps: SessionDeps, grant: TaskGrant, transport: Transport): Promise<Session> {
  await deps.admit(grant);
  const run = new RunState(`run_${randomUUID()}`);
  const identity = identityFromGrant(grant, run.runId, transport);
  const reach = deps.core.reachableClasses(identity, await deps.core.liveApprovals(identity));
  await deps.audit.recordRun({
    identity,
    kind: 'run.start',
    methodsAllowed: deps.core.allowedMethods(identity),
    classesReachable: reach.classes,
    classesWithApproval: reach.withApproval,
    sourcesInScope: reach.sources,
  });
  return { identity, run, core: deps.core, audit: deps.audit };
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
