import type { Authority } from '../policy/authority.js';
import { sqlStringArray, sqlStringList } from './sql.js';

/**
 * The one place a permission filter is built. It names only whitelisted label columns and passes
 * every value through the literal escaper. `null` means the authority permits nothing: callers must
 * skip the query rather than run it unfiltered.
 */
export function permissionFilter(authority: Authority): string | null {
  if (authority.principals.length === 0 || authority.classes.length === 0) return null;
  if (authority.sources !== null && authority.sources.length === 0) return null;
  const clauses = [
    `data_class IN ${sqlStringList(authority.classes.map((c) => c.id))}`,
    `array_has_any(acl_source, ${sqlStringArray(authority.principals)})`,
    `array_has_any(acl_doc, ${sqlStringArray(authority.principals)})`,
  ];
  if (authority.sources !== null) clauses.push(`source IN ${sqlStringList(authority.sources)}`);
  if (authority.gatedSources.length > 0) clauses.push(`source NOT IN ${sqlStringList(authority.gatedSources)}`);
  return clauses.map((c) => `(${c})`).join(' AND ');
}

/** Adds a restriction on one id column (doc or chunk) to a permission filter. */
export function withIdFilter(filter: string, column: 'doc_id' | 'chunk_id', ids: readonly string[]): string {
  return `${filter} AND (${column} IN ${sqlStringList(ids)})`;
}
