import type { PolicyRule } from './files.js';

/**
 * The people, groups and agents a policy names: who is a known human or agent, and which principals
 * a human stands for (themself, `*`, and every group they belong to, transitively).
 */
export class PolicyDirectory {
  private readonly humans = new Set<string>();
  private readonly agents = new Set<string>();
  private readonly groupsOf = new Map<string, Set<string>>();
  private readonly principals = new Map<string, string[]>();

  constructor(rules: readonly PolicyRule[]) {
    for (const rule of rules) {
      if (rule.ptype === 'g') {
        const [member, group] = rule.values as [string, string];
        if (member.startsWith('user:')) this.humans.add(member.slice(5));
        const groups = this.groupsOf.get(member) ?? new Set<string>();
        groups.add(group);
        this.groupsOf.set(member, groups);
      } else if (rule.values[0]!.startsWith('agent:')) {
        this.agents.add(rule.values[0]!.slice(6));
      }
    }
  }

  isHuman(id: string): boolean {
    return this.humans.has(id);
  }

  isAgent(id: string): boolean {
    return this.agents.has(id);
  }

  knownHumans(): string[] {
    return [...this.humans].sort();
  }

  knownAgents(): string[] {
    return [...this.agents].sort();
  }

  /** Every group some member belongs to. */
  groupsWithMembers(): Set<string> {
    return new Set([...this.groupsOf.values()].flatMap((g) => [...g]));
  }

  /** The subject and everything it is a member of, transitively: `user:alice`, `group:engineering`, … */
  private subjects(subject: string, seen = new Set<string>()): Set<string> {
    if (seen.has(subject)) return seen;
    seen.add(subject);
    for (const group of this.groupsOf.get(subject) ?? []) this.subjects(group, seen);
    return seen;
  }

  /** ACL principals that match this human: `*`, `user:<id>` and every group they belong to (callers must not mutate it). */
  humanPrincipals(human: string): string[] {
    if (!this.isHuman(human)) return [];
    let known = this.principals.get(human);
    if (!known) {
      known = ['*', ...[...this.subjects(`user:${human}`)].sort()];
      this.principals.set(human, known);
    }
    return known;
  }

  /** These groups and every group they belong to, transitively (for groups an IdP asserts). */
  groupClosure(groups: readonly string[]): string[] {
    const seen = new Set<string>();
    for (const group of groups) this.subjects(group, seen);
    return [...seen].sort();
  }

  /** Humans an ACL principal stands for. */
  membersOf(principal: string): Set<string> {
    if (principal === '*') return new Set(this.humans);
    return new Set([...this.humans].filter((h) => this.subjects(`user:${h}`).has(principal)));
  }
}
