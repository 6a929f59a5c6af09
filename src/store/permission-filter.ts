import type { SourceReach } from '../labels/ids.js';
import { predicatesFor, type Predicate } from './predicates.js';
import type { ChunkColumn } from './schema.js';

export const chunkWhere = predicatesFor<ChunkColumn>();

/** What the store pre-filter needs to know of a request's authority (the gate's `Authority` has it). */
export interface ReadScope {
  classes: readonly { id: string }[];
  principals: readonly string[];
  sources: SourceReach;
  gatedSources: readonly string[];
}

/**
 * The one permission filter: only label columns, every value escaped. `null` means the scope permits
 * nothing. It is an optimisation only: every chunk it lets through is decided again by the gate.
 */
export function permissionFilter(scope: ReadScope): Predicate<ChunkColumn> | null {
  if (scope.principals.length === 0 || scope.classes.length === 0) return null;
  if (scope.sources !== 'all' && scope.sources.length === 0) return null;
  return chunkWhere.and(
    chunkWhere.in(
      'data_class',
      scope.classes.map((c) => c.id),
    ),
    chunkWhere.hasAny('acl_source', scope.principals),
    chunkWhere.hasAny('acl_doc', scope.principals),
    ...(scope.sources === 'all' ? [] : [chunkWhere.in('source', scope.sources)]),
    ...(scope.gatedSources.length > 0 ? [chunkWhere.notIn('source', scope.gatedSources)] : []),
  );
}

/** Matches nothing: lookups that must cost the same whatever the answer run with it. */
export const NOTHING = chunkWhere.in('chunk_id', []);
