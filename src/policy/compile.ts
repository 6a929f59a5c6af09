import type { PolicyRule } from './files.js';

/**
 * Lists compiled from the raw rule tuples for the store pre-filter. They only name candidates:
 * every one is confirmed by a Casbin decision before use, and the per-chunk re-check still applies.
 */
const isAllowRule = (rule: PolicyRule, act: string) => rule.ptype === 'p' && rule.values[2] === act && rule.values[3] === 'allow';
const sourceObject = (rule: PolicyRule) => (rule.values[1]!.startsWith('source:') ? rule.values[1]!.slice('source:'.length) : null);

/** Sources an agent's `use` rules name; null when a wildcard (`source:*` or a pattern) makes the set open-ended. */
export function sourcesNamedForAgent(rules: readonly PolicyRule[], agent: string): string[] | null {
  const named = rules.filter((r) => isAllowRule(r, 'use') && r.values[0] === `agent:${agent}`).flatMap((r) => sourceObject(r) ?? []);
  if (named.some((s) => s.includes('*'))) return null;
  return [...new Set(named)].sort();
}

/** Sources any `read_with_approval` rule names. */
export function sourcesNamedForApproval(rules: readonly PolicyRule[]): string[] {
  const named = rules.filter((r) => r.ptype === 'p' && r.values[2] === 'read_with_approval').flatMap((r) => sourceObject(r) ?? []);
  return [...new Set(named)].sort();
}
