import type { RequestContext } from '../gate/gate.js';
import { permitsSource } from '../policy/decide.js';
import type { RetrievalDeps } from './deps.js';
import { describeFreshness, sourceIsStale } from './freshness.js';

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
 * Sources this task can reach now or with an approval, decided by the same terms as every chunk
 * (`permitsSource`): nothing about the rest.
 */
export async function listSources(deps: Pick<RetrievalDeps, 'sources'>, ctx: RequestContext): Promise<SourceListing[]> {
  const listings: SourceListing[] = [];
  for (const row of (await deps.sources.all()).values()) {
    const decision = permitsSource(ctx.policy, ctx.authority, row);
    if (decision.access === 'none') continue;
    const approval = ctx.approvals.find(
      (a) => (a.target.kind === 'class' && a.target.id === row.data_class) || (a.target.kind === 'source' && a.target.id === row.source),
    );
    listings.push({
      source: row.source,
      title: row.title,
      dataClass: row.data_class,
      owner: row.owner,
      freshness: describeFreshness(row),
      stale: sourceIsStale(row),
      needsApproval: decision.access === 'approval',
      approvedUntil: approval?.expiresAt ?? null,
    });
  }
  return listings.sort((a, b) => a.source.localeCompare(b.source));
}
