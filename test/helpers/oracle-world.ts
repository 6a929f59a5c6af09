import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { REPO } from './world.js';

/**
 * Generated worlds for the leak properties, and the independent oracle. The oracle is written from
 * DESIGN.md and SCENARIO.md (readers of a class, read-with-approval for one task, agent workflow, task
 * scope, source ACL ∩ document ACL) and shares no code with src/policy or src/store/filter.
 */
export const DIMS = 384;
export const H = ['h0', 'h1', 'h2', 'h3', 'h4'];
export const G = ['g0', 'g1', 'g2', 'g3'];
export const C = ['c0', 'c1', 'c2', 'c3'];
// Distinctive source ids: a leak check looks for them verbatim in answers.
export const S = ['src-amber', 'src-birch', 'src-cedar', 'src-dune', 'src-elm'];
export const A = ['a0', 'a1', 'a2'];
export const METHODS = ['search', 'fetch', 'list_sources', 'session_info', 'request_access', 'check_release'] as const;
export const PRINCIPALS = ['*', ...H.map((h) => `user:${h}`), ...G.map((g) => `group:${g}`)];

export const subset = <T>(items: readonly T[], min = 0) => fc.subarray([...items], { minLength: min });
export const vector = fc
  .array(fc.float({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true }), { minLength: 8, maxLength: 8 })
  .map((v) => Array.from({ length: DIMS }, (_, i) => v[i % 8]! + Math.sin(i * (v[0]! + 1.3)) * 0.01));

export const worldArb = fc.record({
  members: fc.array(fc.tuple(fc.constantFrom(...H), fc.constantFrom(...G)), { maxLength: 10 }),
  free: fc.tuple(...C.map(() => subset(G))),
  gated: fc.tuple(...C.map(() => subset(G))),
  agents: fc.tuple(...A.map(() => fc.record({ classes: subset(C, 1), allSources: fc.boolean(), sources: subset(S), methods: subset(METHODS, 1) }))),
  sources: fc.tuple(...S.map(() => fc.record({ cls: fc.constantFrom(...C), acl: subset(PRINCIPALS, 1) }))),
  docs: fc.array(
    fc.record({
      source: fc.constantFrom(...S),
      narrow: fc.option(subset(PRINCIPALS, 1), { nil: undefined }),
      vectors: fc.array(vector, { minLength: 1, maxLength: 2 }),
    }),
    { minLength: 4, maxLength: 14 },
  ),
});
type ArbValue<T> = T extends fc.Arbitrary<infer V> ? V : never;
export type World = ArbValue<typeof worldArb>;

/** Who asks: a human (or an unknown one), an agent, a task scope and the task's approvals. */
export interface Asker {
  human: string;
  agent: string;
  scopeClasses?: string[];
  scopeSources?: string[];
  approvals: { cls: string; sameTask: boolean; expired: boolean }[];
}

export function groupsOf(world: World, human: string): Set<string> {
  return new Set(
    world.members
      .filter(([h]) => h === human)
      .map(([, g]) => g)
      .concat(G.filter((_, i) => H[i % H.length] === human)),
  );
}

/** Source-level reach, ignoring document ACLs: may anything of this source ever reach the asker (with approval)? */
export function oracleReachesSource(world: World, q: Asker, source: number, opts: { needApproval: boolean }): boolean {
  if (!H.includes(q.human)) return false;
  const groups = groupsOf(world, q.human);
  const src = world.sources[source]!;
  const ci = C.indexOf(src.cls);
  const reads = world.free[ci]!.some((g) => groups.has(g));
  const gated = world.gated[ci]!.some((g) => groups.has(g));
  const approved = q.approvals.some((a) => a.cls === src.cls && a.sameTask && !a.expired);
  if (!(reads || (gated && (approved || !opts.needApproval)))) return false;
  const agent = world.agents[A.indexOf(q.agent)]!;
  if (!agent.classes.includes(src.cls)) return false;
  if (!agent.allSources && !agent.sources.includes(S[source]!)) return false;
  if (q.scopeClasses && !q.scopeClasses.includes(src.cls)) return false;
  if (q.scopeSources && !q.scopeSources.includes(S[source]!)) return false;
  const member = memberTest(groups, q.human);
  return src.acl.some(member);
}

const memberTest = (groups: Set<string>, human: string) => (p: string) =>
  p === '*' || p === `user:${human}` || (p.startsWith('group:') && groups.has(p.slice(6)));

/** May this chunk (its source, and its document's ACL) reach the asker now? */
export function oraclePermits(world: World, q: Asker, chunk: { source: number; acl: string[] }): boolean {
  if (!oracleReachesSource(world, q, chunk.source, { needApproval: true })) return false;
  return chunk.acl.some(memberTest(groupsOf(world, q.human), q.human));
}

/** Which methods the agent may call in this task. */
export function oracleMethods(world: World, agent: string, scopeMethods?: string[]): string[] {
  return world.agents[A.indexOf(agent)]!.methods.filter((m) => !scopeMethods || scopeMethods.includes(m));
}

/** The world as real policy files (the production model.conf; everything else generated). */
export function writePolicy(world: World, policyDir: string): void {
  mkdirSync(policyDir, { recursive: true });
  copyFileSync(path.join(REPO, 'policy/model.conf'), path.join(policyDir, 'model.conf'));
  copyFileSync(path.join(REPO, 'policy/server.yaml'), path.join(policyDir, 'server.yaml'));
  const people = H.map((h) => `g, user:${h}, group:everyone`)
    .concat(G.map((g, i) => `g, user:${H[i % H.length]}, group:${g}`))
    .concat(world.members.map(([h, g]) => `g, user:${h}, group:${g}`));
  writeFileSync(path.join(policyDir, 'people.csv'), [...new Set(people)].join('\n'));
  writeFileSync(path.join(policyDir, 'classes.csv'), C.flatMap((c, i) => world.free[i]!.map((g) => `p, group:${g}, class:${c}, read, allow`)).join('\n'));
  // Approvers h3 and h4 (nobody approves their own request).
  writeFileSync(
    path.join(policyDir, 'approvals.csv'),
    C.flatMap((c, i) => [
      ...world.gated[i]!.map((g) => `p, group:${g}, class:${c}, read_with_approval, allow`),
      `p, user:h3, class:${c}, approve, allow`,
      `p, user:h4, class:${c}, approve, allow`,
    ]).join('\n'),
  );
  writeFileSync(
    path.join(policyDir, 'agents.csv'),
    A.flatMap((a, i) => {
      const w = world.agents[i]!;
      return [
        ...w.classes.map((c) => `p, agent:${a}, class:${c}, use, allow`),
        ...(w.allSources ? [`p, agent:${a}, source:*, use, allow`] : w.sources.map((s) => `p, agent:${a}, source:${s}, use, allow`)),
        ...w.methods.map((m) => `p, agent:${a}, method:${m}, call, allow`),
      ];
    }).join('\n'),
  );
  writeFileSync(
    path.join(policyDir, 'classes.yaml'),
    `classes:\n${C.map((c, i) => `  - { id: ${c}, rank: ${i}, description: generated, stale: flag }`).join('\n')}\n`,
  );
}
