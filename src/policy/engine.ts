import { newEnforcer, newModelFromString, StringAdapter, type Enforcer } from 'casbin';
import { METHODS, type Method } from '../identity/identity.js';
import { PolicyError, readPolicyFiles, type ClassInfo, type PolicyFiles, type RuleLocation, type ServerFacts } from './files.js';

export interface Decision {
  allowed: boolean;
  /** The policy line that decided (absent when no rule matched: default deny). */
  rule?: RuleLocation;
}

const ruleKey = (values: readonly string[]) => values.join('\u0001');

/**
 * Casbin over Clearance's policy folder. Every question the rest of the system asks about people,
 * groups, classes and agents is answered here, from the files, with the deciding line.
 */
export class PolicyEngine {
  private readonly locations = new Map<string, RuleLocation>();
  private readonly humans = new Set<string>();
  private readonly groupsOf = new Map<string, Set<string>>();
  private readonly agents = new Set<string>();
  private readonly classById: Map<string, ClassInfo>;
  /** The policy is immutable once loaded, so every decision can be remembered (Casbin is O(lines) per call). */
  private readonly decisions = new Map<string, Decision>();
  private readonly memo = new Map<string, unknown>();

  private constructor(
    private readonly enforcer: Enforcer,
    private readonly files: PolicyFiles,
  ) {
    this.classById = new Map(files.classes.map((c) => [c.id, c]));
    for (const rule of files.rules) {
      this.locations.set(ruleKey(rule.values), rule.at);
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

  static async load(policyDir: string): Promise<PolicyEngine> {
    const files = await readPolicyFiles(policyDir);
    const lines = files.rules.map((r) => [r.ptype, ...r.values].join(', ')).join('\n');
    let enforcer: Enforcer;
    try {
      enforcer = await newEnforcer(newModelFromString(files.model), new StringAdapter(lines));
    } catch (err) {
      throw new PolicyError(`${policyDir}/model.conf: Casbin cannot load the model or policy: ${(err as Error).message}`);
    }
    const engine = new PolicyEngine(enforcer, files);
    engine.checkConsistency();
    return engine;
  }

  get version(): string {
    return this.files.version;
  }

  get server(): ServerFacts {
    return this.files.server;
  }

  get classes(): ClassInfo[] {
    return this.files.classes;
  }

  classInfo(id: string): ClassInfo | undefined {
    return this.classById.get(id);
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

  /** The subject and everything it is a member of, transitively: `user:alice`, `group:engineering`, … */
  private subjects(subject: string, seen = new Set<string>()): Set<string> {
    if (seen.has(subject)) return seen;
    seen.add(subject);
    for (const group of this.groupsOf.get(subject) ?? []) this.subjects(group, seen);
    return seen;
  }

  /** ACL principals that match this human: `*`, `user:<id>` and every group they belong to. */
  humanPrincipals(human: string): string[] {
    if (!this.isHuman(human)) return [];
    return this.remember(`principals|${human}`, () => ['*', ...[...this.subjects(`user:${human}`)].sort()]);
  }

  /** Answers derived from the (immutable) policy are computed once; callers must not mutate them. */
  private remember<T>(key: string, compute: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, compute());
    return this.memo.get(key) as T;
  }

  /** Humans an ACL principal stands for. */
  membersOf(principal: string): Set<string> {
    if (principal === '*') return new Set(this.humans);
    return new Set([...this.humans].filter((h) => this.subjects(`user:${h}`).has(principal)));
  }

  decide(subject: string, object: string, act: string): Decision {
    const key = ruleKey([subject, object, act]);
    const known = this.decisions.get(key);
    if (known) return known;
    const [allowed, explain] = this.enforcer.enforceExSync(subject, object, act);
    const decision = { allowed, rule: explain.length > 0 ? this.locations.get(ruleKey(explain)) : undefined };
    this.decisions.set(key, decision);
    return decision;
  }

  /** How a human may read a class: freely, only with an approval, or not at all. */
  classAccess(human: string, classId: string): { access: 'read' | 'approval' | 'none'; rule?: RuleLocation } {
    if (!this.isHuman(human)) return { access: 'none' };
    const free = this.decide(`user:${human}`, `class:${classId}`, 'read');
    if (free.allowed) return { access: 'read', rule: free.rule };
    const gated = this.decide(`user:${human}`, `class:${classId}`, 'read_with_approval');
    if (gated.allowed) return { access: 'approval', rule: gated.rule };
    return { access: 'none', rule: free.rule ?? gated.rule };
  }

  agentUses(agent: string, kind: 'class' | 'source', id: string): Decision {
    if (!this.isAgent(agent)) return { allowed: false };
    return this.decide(`agent:${agent}`, `${kind}:${id}`, 'use');
  }

  /**
   * The sources an agent's workflow names, for the store pre-filter; null when a wildcard rule
   * (`source:*` or a pattern) makes the set open-ended (the per-chunk Casbin check still applies).
   */
  agentSourceList(agent: string): string[] | null {
    return this.remember(`sources|${agent}`, () => this.compileAgentSources(agent));
  }

  private compileAgentSources(agent: string): string[] | null {
    const objects = this.files.rules
      .filter((r) => r.ptype === 'p' && r.values[0] === `agent:${agent}` && r.values[2] === 'use' && r.values[3] === 'allow' && r.values[1]!.startsWith('source:'))
      .map((r) => r.values[1]!.slice('source:'.length));
    if (objects.some((o) => o.includes('*'))) return null;
    return [...new Set(objects)].filter((s) => this.agentUses(agent, 'source', s).allowed).sort();
  }

  methodAllowed(agent: string, method: string): Decision {
    if (!this.isAgent(agent)) return { allowed: false };
    return this.decide(`agent:${agent}`, `method:${method}`, 'call');
  }

  agentMethods(agent: string): Method[] {
    return METHODS.filter((m) => this.methodAllowed(agent, m).allowed);
  }

  /** Humans who read a class freely: the reader set the release rule compares. */
  readersOfClass(classId: string): Set<string> {
    return new Set(this.knownHumans().filter((h) => this.classAccess(h, classId).access === 'read'));
  }

  /** Everyone who could ever read a class, freely or with an approval. */
  possibleReadersOfClass(classId: string): Set<string> {
    return new Set(this.knownHumans().filter((h) => this.classAccess(h, classId).access !== 'none'));
  }

  approversFor(kind: 'class' | 'source', id: string): Set<string> {
    return new Set(this.knownHumans().filter((h) => this.decide(`user:${h}`, `${kind}:${id}`, 'approve').allowed));
  }

  /**
   * Sources this human may read only with an approval for the task (a `read_with_approval` rule on
   * `source:<id>` that applies to them, and no `read` rule on it), on top of the class rules.
   */
  gatedSources(human: string): string[] {
    return this.remember(`gated|${human}`, () => this.compileGatedSources(human));
  }

  private compileGatedSources(human: string): string[] {
    const named = this.files.rules.filter((r) => r.ptype === 'p' && r.values[2] === 'read_with_approval' && r.values[1]!.startsWith('source:')).map((r) => r.values[1]!.slice('source:'.length));
    return [...new Set(named)].filter((s) => this.decide(`user:${human}`, `source:${s}`, 'read_with_approval').allowed && !this.decide(`user:${human}`, `source:${s}`, 'read').allowed).sort();
  }

  /** What Casbin cannot check: references to unknown classes, empty groups, agents without a workflow. */
  private checkConsistency(): void {
    const problems: string[] = [];
    const groupsWithMembers = new Set([...this.groupsOf.values()].flatMap((g) => [...g]));
    for (const rule of this.files.rules) {
      const where = `${rule.at.file}:${rule.at.line}`;
      for (const value of rule.values) {
        if (value.startsWith('class:') && value !== 'class:*' && !this.classById.has(value.slice(6))) {
          problems.push(`${where}: unknown data class "${value.slice(6)}"; add it to classes.yaml or fix the name`);
        }
        if (value.startsWith('method:') && value !== 'method:*' && !(METHODS as readonly string[]).includes(value.slice(7))) {
          problems.push(`${where}: unknown method "${value.slice(7)}"; methods are ${METHODS.join(', ')}`);
        }
      }
      const subject = rule.values[0]!;
      if (rule.ptype === 'p' && subject.startsWith('group:') && !groupsWithMembers.has(subject)) {
        problems.push(`${where}: group "${subject.slice(6)}" has no members; add \`g, user:<id>, ${subject}\` to people.csv or remove the rule`);
      }
      if (rule.ptype === 'p' && subject.startsWith('user:') && !this.humans.has(subject.slice(5))) {
        problems.push(`${where}: "${subject}" is not a known human; add \`g, ${subject}, group:everyone\` to people.csv`);
      }
    }
    for (const agent of this.agents) {
      const uses = this.files.rules.some((r) => r.values[0] === `agent:${agent}` && r.values[2] === 'use' && r.values[1]!.startsWith('class:'));
      const calls = this.agentMethods(agent).length > 0;
      if (!uses || !calls) problems.push(`agent "${agent}" has no workflow: give it at least one \`use\` of a class and one \`call\` of a method in agents.csv`);
    }
    if (problems.length > 0) throw new PolicyError(`policy is inconsistent:\n  - ${problems.join('\n  - ')}`);
  }
}
