import { newEnforcer, newModelFromString, StringAdapter, type Enforcer } from 'casbin';
import { METHODS, type Method } from '../identity/identity.js';
import { sourcesNamedForAgent, sourcesNamedForApproval } from './compile.js';
import { consistencyProblems } from './consistency.js';
import { PolicyDirectory } from './directory.js';
import { PolicyError, readPolicyFiles, type ClassInfo, type PolicyFiles, type RuleLocation, type ServerFacts } from './files.js';

export interface Decision {
  allowed: boolean;
  /** The policy line that decided (absent when no rule matched: default deny). */
  rule?: RuleLocation;
}

const ruleKey = (values: readonly string[]) => values.join('\u0001');

/**
 * Casbin over one version of Clearance's policy folder. Every question the rest of the system asks
 * about people, classes and agents is answered here, from the files, with the deciding line. An
 * engine is immutable: a new policy version is a new engine, so its memoised answers never outlive it.
 */
export class PolicyEngine {
  readonly directory: PolicyDirectory;
  /** What the policy check reports but does not refuse (see consistency.ts). */
  readonly warnings: string[] = [];
  private readonly locations = new Map<string, RuleLocation>();
  private readonly classById: Map<string, ClassInfo>;
  /** Casbin is O(lines) per call; the engine is immutable, so every decision can be remembered. */
  private readonly decisions = new Map<string, Decision>();
  private readonly memo = new Map<string, unknown>();

  private constructor(
    private readonly enforcer: Enforcer,
    private readonly files: PolicyFiles,
  ) {
    this.directory = new PolicyDirectory(files.rules);
    this.classById = new Map(files.classes.map((c) => [c.id, c]));
    for (const rule of files.rules) this.locations.set(ruleKey(rule.values), rule.at);
  }

  static async load(policyDir: string): Promise<PolicyEngine> {
    return PolicyEngine.fromFiles(await readPolicyFiles(policyDir), policyDir);
  }

  /** The files this engine was built from (what `policy apply` publishes). */
  get texts(): PolicyFiles['texts'] {
    return this.files.texts;
  }

  static async fromFiles(files: PolicyFiles, where: string): Promise<PolicyEngine> {
    const lines = files.rules.map((r) => [r.ptype, ...r.values].join(', ')).join('\n');
    let enforcer: Enforcer;
    try {
      enforcer = await newEnforcer(newModelFromString(files.model), new StringAdapter(lines));
    } catch (err) {
      throw new PolicyError(`${where}/model.conf: Casbin cannot load the model or policy: ${(err as Error).message}`);
    }
    const engine = new PolicyEngine(enforcer, files);
    const { errors, warnings } = consistencyProblems(files, engine.directory, (agent) => engine.agentMethods(agent).length);
    if (errors.length > 0) throw new PolicyError(`policy is inconsistent:\n  - ${errors.join('\n  - ')}`);
    engine.warnings.push(...warnings);
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
    return this.directory.isHuman(id);
  }

  isAgent(id: string): boolean {
    return this.directory.isAgent(id);
  }

  knownHumans(): string[] {
    return this.directory.knownHumans();
  }

  knownAgents(): string[] {
    return this.directory.knownAgents();
  }

  humanPrincipals(human: string): string[] {
    return this.directory.humanPrincipals(human);
  }

  membersOf(principal: string): Set<string> {
    return this.directory.membersOf(principal);
  }

  /** Answers derived from the (immutable) policy are computed once; callers must not mutate them. */
  private remember<T>(key: string, compute: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, compute());
    return this.memo.get(key) as T;
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

  /** The sources an agent's workflow names, for the store pre-filter; 'all' when a wildcard makes the set open-ended. */
  agentSourceList(agent: string): string[] | 'all' {
    return this.remember(`sources|${agent}`, () => sourcesNamedForAgent(this.files.rules, agent)?.filter((s) => this.agentUses(agent, 'source', s).allowed) ?? 'all');
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
    return this.remember(`gated|${human}`, () =>
      sourcesNamedForApproval(this.files.rules).filter((s) => this.decide(`user:${human}`, `source:${s}`, 'read_with_approval').allowed && !this.decide(`user:${human}`, `source:${s}`, 'read').allowed),
    );
  }
}
