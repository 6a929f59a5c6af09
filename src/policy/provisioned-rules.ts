import type { PolicyFiles, PolicyRule } from './files.js';
import type { ProvisionedState } from './provisioned.js';

/** Where a merged membership line says it came from. */
const PROVISIONED_FILE = 'scim';

/**
 * The policy with the SCIM directory merged in, as membership lines Casbin evaluates like people.csv's:
 * - an active provisioned user is `g, user:<human>, group:everyone` (a known human) plus one line per
 *   provisioned group they are a member of; these add to their people.csv memberships;
 * - an inactive or deleted provisioned user is deprovisioned: every membership line naming them,
 *   people.csv's included, is dropped, so they are an unknown human and every call is refused.
 * Rules in classes.csv, agents.csv and approvals.csv are never touched: SCIM only says who is in which group.
 */
export function withProvisioned(files: PolicyFiles, state: ProvisionedState): PolicyFiles {
  if (state.users.length === 0) return files;
  const deprovisioned = new Set(state.users.filter((u) => u.status !== 'active').map((u) => `user:${u.human}`));
  const active = new Map(state.users.filter((u) => u.status === 'active').map((u) => [u.id, u.human]));
  const kept = files.rules.filter((r) => !(r.ptype === 'g' && deprovisioned.has(r.values[0]!)));
  const line = (human: string, group: string, why: string): PolicyRule => {
    const text = `g, user:${human}, group:${group}`;
    return { ptype: 'g', values: [`user:${human}`, `group:${group}`], at: { file: PROVISIONED_FILE, line: 0, text: `${text} (${why})` } };
  };
  const added = [...active.values()].map((human) => line(human, 'everyone', 'SCIM user'));
  for (const group of state.groups) {
    for (const member of group.members) {
      const human = active.get(member);
      if (human) added.push(line(human, group.display_name, `SCIM group ${group.id}`));
    }
  }
  // A membership people.csv already states is not stated twice.
  const key = (r: PolicyRule) => r.values.join(',');
  const stated = new Set(kept.filter((r) => r.ptype === 'g').map(key));
  const fresh = [...new Map(added.filter((r) => !stated.has(key(r))).map((r) => [key(r), r])).values()];
  return { ...files, rules: [...kept, ...fresh] };
}
