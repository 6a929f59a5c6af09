import type { Approval, RequestIdentity } from '../identity/identity.js';
import { computeAuthority } from '../policy/authority.js';
import { describeFreshness, sourceIsStale } from './freshness.js';
import { loadSources, type RetrievalDeps } from './search.js';

export interface SourceListing {
  source: string;
  title: string;
  dataClass: string;
  owner: string;
  freshness: string;
  stale: boolean;
  needsApproval: boolean;
  approvedUntil: string | null;
}

/**
 * Sources this task can reach now or with an approval. A source is listed only if the human could read
 * it at all (class and source ACL) and the agent and task allow it: nothing about the rest.
 */
export async function listSources(deps: RetrievalDeps, params: { identity: RequestIdentity; approvals: Approval[] }): Promise<SourceListing[]> {
  const { identity, approvals } = params;
  const authority = computeAuthority(deps.policy, identity, approvals);
  const principals = new Set(authority.principals);
  const listings: SourceListing[] = [];
  for (const row of (await loadSources(deps.store)).values()) {
    const reachable = authority.classes.some((c) => c.id === row.data_class);
    const gated = authority.withApproval.includes(row.data_class);
    if (!reachable && !gated) continue;
    if (!row.acl_source.some((p) => principals.has(p))) continue;
    if (!deps.policy.agentUses(identity.agent, 'source', row.source).allowed) continue;
    if (identity.scope.sources && !identity.scope.sources.includes(row.source)) continue;
    const approval = approvals.find((a) => a.taskId === identity.taskId && ((a.target.kind === 'class' && a.target.id === row.data_class) || (a.target.kind === 'source' && a.target.id === row.source)));
    listings.push({
      source: row.source,
      title: row.title,
      dataClass: row.data_class,
      owner: row.owner,
      freshness: describeFreshness(row),
      stale: sourceIsStale(row),
      needsApproval: gated || authority.gatedSources.includes(row.source),
      approvedUntil: approval?.expiresAt ?? null,
    });
  }
  return listings.sort((a, b) => a.source.localeCompare(b.source));
}
