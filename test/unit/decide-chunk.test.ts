import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Approval, RequestIdentity, TaskScope } from '../../src/identity/identity.js';
import { computeAuthority, narrow, type Narrowing } from '../../src/policy/authority.js';
import { decideChunk, type ChunkLabels } from '../../src/policy/decide.js';
import { PolicyEngine } from '../../src/policy/engine.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/policy');
let minimal: PolicyEngine;
let denyRule: PolicyEngine;
beforeAll(async () => {
  minimal = await PolicyEngine.load(path.join(FIXTURES, 'minimal'));
  denyRule = await PolicyEngine.load(path.join(FIXTURES, 'deny-rule'));
});

const identity = (human: string, agent: string, scope: TaskScope = {}): RequestIdentity => ({
  human,
  agent,
  taskId: 'task-1',
  purpose: 'unit test',
  runId: 'run-1',
  transport: 'test',
  scope,
  grantExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
});

/** A chunk every check passes for alice through coder, unless a test overrides a label. */
const chunk = (labels: Partial<ChunkLabels> = {}): ChunkLabels => ({
  source: 'docs',
  data_class: 'internal',
  acl_source: ['group:engineering'],
  acl_doc: ['user:alice'],
  ...labels,
});
/** ACLs that match none of the test humans' principals. */
const NOBODY = { acl_source: ['group:nobody'], acl_doc: ['user:nobody'] };

function decide(engine: PolicyEngine, who: RequestIdentity, labels: ChunkLabels, opts: { approvals?: Approval[]; narrowing?: Narrowing } = {}) {
  return decideChunk(engine, narrow(computeAuthority(engine, who, opts.approvals ?? []), opts.narrowing ?? {}), labels);
}

const approval = (target: Approval['target'], expiresInMs = 3_600_000): Approval => ({
  id: 'ap1',
  taskId: 'task-1',
  human: 'alice',
  target,
  approver: 'sam',
  expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
});

describe('decideChunk: a chunk failing several terms at once is denied by the first, in a fixed order', () => {
  it('the baseline chunk is allowed, with the line that let the human read its class', () => {
    const d = decide(minimal, identity('alice', 'coder'), chunk());
    expect(d).toEqual({ allowed: true, rule: expect.objectContaining({ line: 3, text: 'p, group:engineering, class:internal, read, allow' }) });
    expect(d.rule!.file).toMatch(/minimal\/classes\.csv$/);
  });

  it('labels first: missing, empty, malformed or unknown-class labels deny before anything about the caller', () => {
    // The caller is unknown too, and the ACL matches nobody: still 'labels'.
    const stranger = identity('mallory', 'rogue-agent');
    for (const bad of [
      { source: undefined },
      { source: '' },
      { data_class: undefined },
      { data_class: 'no-such-class' },
      { acl_source: undefined },
      { acl_source: [] },
      { acl_doc: ['user:alice', 7] },
      { acl_doc: 'user:alice' },
    ] as unknown as Partial<ChunkLabels>[]) {
      expect(decideChunk(minimal, computeAuthority(minimal, stranger, []), chunk({ ...NOBODY, ...bad })), JSON.stringify(bad)).toEqual({
        allowed: false,
        deniedBy: 'labels',
      });
      expect(decide(minimal, identity('alice', 'coder'), chunk(bad)).deniedBy, JSON.stringify(bad)).toBe('labels');
    }
  });

  it('unknown_principal: an unknown human, with well-formed labels, before the human/agent/acl terms', () => {
    expect(decide(minimal, identity('mallory', 'rogue-agent', { classes: ['public'] }), chunk(NOBODY)).deniedBy).toBe('unknown_principal');
  });

  it('human: no read rule for the class beats agent, task and ACL failures', () => {
    // gina reads only public; narrow cannot use internal; the scope excludes internal; the ACL misses her.
    expect(decide(minimal, identity('gina', 'narrow', { classes: ['public'], sources: ['wiki'] }), chunk(NOBODY)).deniedBy).toBe('human');
    // A class nobody reads at all.
    expect(decide(minimal, identity('alice', 'coder'), chunk({ data_class: 'secret' })).deniedBy).toBe('human');
  });

  it('approval (class): readable only with an approval the task lacks beats agent, task and ACL failures', () => {
    expect(decide(minimal, identity('alice', 'narrow', { classes: ['public'] }), chunk({ data_class: 'telemetry', ...NOBODY })).deniedBy).toBe('approval');
    // With a live approval for this task the same chunk (with matching ACLs) is allowed …
    const ok = decide(minimal, identity('alice', 'coder'), chunk({ data_class: 'telemetry' }), { approvals: [approval({ kind: 'class', id: 'telemetry' })] });
    expect(ok).toMatchObject({ allowed: true, rule: { text: 'p, group:engineering, class:telemetry, read_with_approval, allow' } });
    // … but not with an expired one, nor one for another task.
    expect(
      decide(minimal, identity('alice', 'coder'), chunk({ data_class: 'telemetry' }), { approvals: [approval({ kind: 'class', id: 'telemetry' }, -1)] })
        .deniedBy,
    ).toBe('approval');
    expect(
      decide(minimal, identity('alice', 'coder'), chunk({ data_class: 'telemetry' }), {
        approvals: [{ ...approval({ kind: 'class', id: 'telemetry' }), taskId: 'task-2' }],
      }).deniedBy,
    ).toBe('approval');
  });

  it('agent: the workflow lacks the class or the source, beating task and ACL failures', () => {
    expect(decide(minimal, identity('alice', 'narrow', { classes: ['public'] }), chunk(NOBODY)).deniedBy).toBe('agent');
    expect(decide(minimal, identity('alice', 'narrow', { sources: ['wiki'] }), chunk({ data_class: 'public', source: 'wiki', ...NOBODY })).deniedBy).toBe(
      'agent',
    );
  });

  it('task: the grant scope excludes the class or the source, beating narrowing and ACL failures', () => {
    expect(decide(minimal, identity('alice', 'coder', { classes: ['public'] }), chunk(NOBODY), { narrowing: { classes: ['public'] } }).deniedBy).toBe('task');
    expect(decide(minimal, identity('alice', 'coder', { sources: ['docs'] }), chunk({ source: 'wiki', ...NOBODY })).deniedBy).toBe('task');
  });

  it('approval (source): a gated source without an approval beats narrowing and ACL failures', () => {
    expect(decide(minimal, identity('alice', 'coder'), chunk({ source: 'vault', ...NOBODY }), { narrowing: { classes: ['public'] } }).deniedBy).toBe(
      'approval',
    );
    expect(decide(minimal, identity('alice', 'coder'), chunk({ source: 'vault' }), { approvals: [approval({ kind: 'source', id: 'vault' })] }).allowed).toBe(
      true,
    );
  });

  it('narrowing: the caller narrowed away the class or the source, beating ACL failures', () => {
    expect(decide(minimal, identity('alice', 'coder'), chunk(NOBODY), { narrowing: { classes: ['public'] } }).deniedBy).toBe('narrowing');
    expect(decide(minimal, identity('alice', 'coder'), chunk(NOBODY), { narrowing: { sources: ['wiki'] } }).deniedBy).toBe('narrowing');
  });

  it('acl_source before acl_doc; each alone denies', () => {
    expect(decide(minimal, identity('alice', 'coder'), chunk(NOBODY)).deniedBy).toBe('acl_source');
    expect(decide(minimal, identity('alice', 'coder'), chunk({ acl_doc: ['user:nobody'] })).deniedBy).toBe('acl_doc');
    expect(decide(minimal, identity('alice', 'coder'), chunk({ acl_source: ['group:sre'] })).deniedBy).toBe('acl_source');
    // '*' matches every known human.
    expect(decide(minimal, identity('gina', 'coder'), chunk({ data_class: 'public', acl_source: ['*'], acl_doc: ['*'] })).allowed).toBe(true);
  });
});

describe('a deny line overrides an allow (policy/model.conf: some allow && !some deny)', () => {
  it('the deny wins over a group allow, and the deciding line is the deny', () => {
    expect(minimal.classAccess('alice', 'internal')).toMatchObject({ access: 'read', rule: { text: 'p, group:engineering, class:internal, read, allow' } });
    const decision = denyRule.decide('user:alice', 'class:internal', 'read');
    expect(decision.allowed).toBe(false);
    expect(decision.rule).toMatchObject({ line: 2, text: 'p, user:alice, class:internal, read, deny' });
    expect(decision.rule!.file).toMatch(/deny-rule\/denies\.csv$/);
    expect(denyRule.classAccess('alice', 'internal')).toMatchObject({ access: 'none', rule: { text: 'p, user:alice, class:internal, read, deny' } });
    // Only alice: sam still reads internal through the sre allow.
    expect(denyRule.classAccess('sam', 'internal')).toMatchObject({ access: 'read', rule: { text: 'p, group:sre, class:internal, read, allow' } });
  });

  it('the chunk check follows the deny: human for the denied class, agent for the denied source', () => {
    expect(decide(minimal, identity('alice', 'coder'), chunk()).allowed).toBe(true);
    expect(decide(denyRule, identity('alice', 'coder'), chunk())).toEqual({ allowed: false, deniedBy: 'human' });
    expect(computeAuthority(denyRule, identity('alice', 'coder'), []).denied).toContainEqual({ id: 'internal', term: 'human' });

    expect(decide(minimal, identity('alice', 'coder'), chunk({ source: 'wiki' })).allowed).toBe(true);
    expect(denyRule.agentUses('coder', 'source', 'wiki')).toMatchObject({ allowed: false, rule: { text: 'p, agent:coder, source:wiki, use, deny' } });
    // sam (sre) still reads internal under deny-rule: the source deny alone decides.
    const samChunk = chunk({ acl_source: ['group:sre'], acl_doc: ['user:sam'] });
    expect(decide(denyRule, identity('sam', 'coder'), samChunk).allowed).toBe(true);
    expect(decide(denyRule, identity('sam', 'coder'), { ...samChunk, source: 'wiki' }).deniedBy).toBe('agent');
    expect(denyRule.agentSourceList('coder')).toEqual(['docs', 'vault']);
  });
});
