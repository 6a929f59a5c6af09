import type { KillVerdict } from '../governance/watcher.js';
import type { Approval, RequestIdentity } from '../identity/identity.js';
import { computeAuthority, type Authority } from '../policy/authority.js';
import type { PolicyEngine } from '../policy/engine.js';

/**
 * Everything one call is decided by, built once per call after the kill-switch check: who asks, the
 * approvals live for their task now, and the effective authority under one policy version. Every
 * read path takes this and nothing else; `policy` is the engine the authority was computed with.
 */
export interface RequestContext {
  identity: RequestIdentity;
  approvals: Approval[];
  authority: Authority;
  policy: PolicyEngine;
}

export interface GateDeps {
  /** The policy version in force now (a new version is a new engine). */
  policy(): PolicyEngine;
  /** The policy version for a call starting now, from state no older than the call (near enough). */
  freshPolicy(): Promise<PolicyEngine>;
  liveApprovals(identity: RequestIdentity): Promise<Approval[]>;
  /** Checked when a call starts and again before its answer leaves, from state no older than the call (near enough). */
  killedFor(identity: RequestIdentity): Promise<KillVerdict | null>;
}

/** The one authorisation gate: every security decision of a request starts here. */
export class Gate {
  constructor(private readonly deps: GateDeps) {}

  killedFor(identity: RequestIdentity): Promise<KillVerdict | null> {
    return this.deps.killedFor(identity);
  }

  async enter(identity: RequestIdentity, now = Date.now()): Promise<RequestContext> {
    const policy = await this.deps.freshPolicy();
    return contextFor(policy, identity, await this.deps.liveApprovals(identity), now);
  }

  /** The context is still the one in force: no new policy version since it was built. */
  current(ctx: RequestContext): boolean {
    try {
      return this.deps.policy() === ctx.policy;
    } catch {
      return false; // the policy state is unknown: not current (fail closed)
    }
  }
}

/** The context of a request under a given policy and approvals (the gate's own step, and admin checks). */
export function contextFor(policy: PolicyEngine, identity: RequestIdentity, approvals: Approval[], now = Date.now()): RequestContext {
  return { identity, approvals, authority: computeAuthority(policy, identity, approvals, now), policy };
}
