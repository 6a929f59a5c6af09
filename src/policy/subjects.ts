import type { IdpGroups } from '../identity/identity.js';
import type { Decision, PolicyEngine } from './engine.js';
import type { RuleLocation } from './files.js';

/**
 * Groups an identity provider asserts, in the policy's terms. Without IdP groups a human is decided
 * as `user:<id>` (people.csv memberships, transitively) exactly as before. With them:
 * - `add`: as `user:<id>` and as each mapped `group:<id>`; ACL principals are the union.
 * - `replace`: only as `group:everyone` and the mapped groups (people.csv memberships and rules
 *   naming the user in classes.csv are not consulted); ACL principals are `*`, `user:<id>` and
 *   those groups. Nested policy groups apply to a mapped group as they do to a member.
 * A human must still be known to the policy (people.csv): IdP groups never admit a stranger.
 */
export function subjectsFor(human: string, groups: IdpGroups | undefined): string[] {
  if (!groups) return [`user:${human}`];
  const mapped = groups.ids.map((g) => `group:${g}`);
  return [...new Set(groups.rule === 'add' ? [`user:${human}`, ...mapped] : ['group:everyone', ...mapped])];
}

/** ACL principals the request's human matches, under the IdP group rule. */
export function principalsFor(engine: PolicyEngine, human: string, groups: IdpGroups | undefined): string[] {
  if (!engine.isHuman(human)) return [];
  if (!groups) return engine.humanPrincipals(human);
  const mapped = engine.directory.groupClosure(subjectsFor(human, groups).filter((s) => s.startsWith('group:')));
  const base = groups.rule === 'add' ? engine.humanPrincipals(human) : ['*', `user:${human}`];
  return [...new Set([...base, ...mapped])].sort();
}

/** How the request's subjects may read a class: the best any of them has (read > with approval > none). */
export function classAccessFor(
  engine: PolicyEngine,
  human: string,
  subjects: readonly string[] | undefined,
  classId: string,
): { access: 'read' | 'approval' | 'none'; rule?: RuleLocation } {
  if (!subjects || (subjects.length === 1 && subjects[0] === `user:${human}`)) return engine.classAccess(human, classId);
  if (!engine.isHuman(human)) return { access: 'none' };
  const first = (act: string): Decision | undefined => subjects.map((s) => engine.decide(s, `class:${classId}`, act)).find((d) => d.allowed);
  const free = first('read');
  if (free) return { access: 'read', rule: free.rule };
  const gated = first('read_with_approval');
  if (gated) return { access: 'approval', rule: gated.rule };
  return { access: 'none' };
}
