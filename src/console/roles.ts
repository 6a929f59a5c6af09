import type { ApprovalRow } from '../governance/tables.js';
import type { PolicyEngine } from '../policy/engine.js';

/** What a signed-in person may do in the console, all read from the live policy (server.yaml and approvals.csv). */
export interface ConsoleRoles {
  /** The server's human owner: every page and action. */
  admin: boolean;
  /** Reads runs, timelines, packets and who-read (server.yaml `auditors`). */
  auditor: boolean;
  /** Kills and revives (server.yaml `kill_switch_owner`, and the admin). */
  killSwitch: boolean;
}

/** Whether a principal (`user:<id>` or `group:<id>`) names this human. */
function names(policy: PolicyEngine, principal: string, human: string): boolean {
  return principal === `user:${human}` || policy.membersOf(principal).has(human);
}

export function consoleRoles(policy: PolicyEngine, human: string): ConsoleRoles {
  const facts = policy.server;
  const admin = names(policy, facts.human_owner, human);
  return {
    admin,
    auditor: admin || facts.auditors.some((p) => names(policy, p, human)),
    killSwitch: admin || names(policy, facts.kill_switch_owner, human),
  };
}

/** Who sees a request in their queue: the policy's approvers for its target, never its own requester. */
export function seesRequest(policy: PolicyEngine, human: string, row: ApprovalRow): boolean {
  return row.human !== human && policy.approversFor(row.target_kind, row.target_id).has(human);
}
