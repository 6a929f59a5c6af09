import { checkRelease, shingleHashes } from '../../src/governance/release.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerRuntime } from '../../src/app/server.js';
import { connectAgent, sampleRuntime, type Agent, type SearchResults } from '../helpers/world.js';

// Every line of SCENARIO.md "What must hold", through the real MCP server, real LanceDB, real policy.
let runtime: ServerRuntime;
beforeAll(async () => {
  runtime = await sampleRuntime();
});
afterAll(async () => runtime.close());

/** Everything the run can reach: vector mode with k above the corpus size returns the whole permitted set. */
async function reach(agent: Agent): Promise<{ classes: Set<string>; docs: Set<string>; texts: string }> {
  const r = await agent.call('search', { query: 'INC-2041 incident', k: 50, mode: 'vector', granularity: 'chunk' });
  const { results } = r.structuredContent as unknown as SearchResults;
  return {
    classes: new Set(results.map((x) => x.data_class)),
    docs: new Set(results.map((x) => x.citation.doc_id)),
    texts: results.map((x) => x.text).join('\n'),
  };
}

async function reachOf(human: string, agentId: string) {
  const agent = await connectAgent(runtime, human, agentId);
  try {
    return await reach(agent);
  } finally {
    await agent.close();
  }
}

async function approve(agent: Agent, cls: string, approver: string) {
  const req = await agent.call('request_access', { class: cls, reason: `need ${cls} for this task` });
  const id = (req.structuredContent as { request_id: string }).request_id;
  await runtime.app.governance.approve(id, { human: approver, auth: 'test' }, 3600, (row) =>
    runtime.app.policy().approversFor(row.target_kind, row.target_id).has(approver),
  );
  return id;
}

const sorted = (s: Set<string>) => [...s].sort();

describe('SCENARIO.md: what must hold', () => {
  it('alice via claude-code: public + internal, not the sre-only runbook; telemetry only after frank approves, for that task only', async () => {
    const alice = await connectAgent(runtime, 'alice', 'claude-code');
    const before = await reach(alice);
    expect(sorted(before.classes)).toEqual(['internal', 'public']);
    expect(before.docs.has('postmortems/inc-2041-postmortem.md')).toBe(true);
    expect(before.docs.has('runbooks/prod-database.md')).toBe(false);
    expect(before.texts).not.toMatch(/breakglass rota amber seven/);
    await approve(alice, 'telemetry', 'frank');
    expect(sorted((await reach(alice)).classes)).toEqual(['internal', 'public', 'telemetry']);
    // Another task of the same human does not inherit the approval.
    const otherTask = await connectAgent(runtime, 'alice', 'claude-code');
    expect((await reach(otherTask)).classes.has('telemetry')).toBe(false);
    await Promise.all([alice.close(), otherTask.close()]);
  });

  it('frank via ops-agent: public, internal including the sre-only runbook, telemetry without approval', async () => {
    const r = await reachOf('frank', 'ops-agent');
    expect(sorted(r.classes)).toEqual(['internal', 'public', 'telemetry']);
    expect(r.docs.has('runbooks/prod-database.md')).toBe(true);
  });

  it('frank can never approve his own request, and non-approvers are refused', async () => {
    const frank = await connectAgent(runtime, 'frank', 'claude-code');
    const req = await frank.call('request_access', { class: 'security', reason: 'curious' });
    const id = (req.structuredContent as { request_id: string }).request_id;
    await expect(runtime.app.governance.approve(id, { human: 'frank', auth: 'test' }, 60, () => true)).rejects.toThrow(/own request/);
    await expect(
      runtime.app.governance.approve(id, { human: 'dan', auth: 'test' }, 60, (row) =>
        runtime.app.policy().approversFor(row.target_kind, row.target_id).has('dan'),
      ),
    ).rejects.toThrow(/not an approver/);
    await frank.close();
  });

  it('bob via support-assistant: public + customer including the VIP ticket; never internal, security or regulated', async () => {
    const r = await reachOf('bob', 'support-assistant');
    expect(sorted(r.classes)).toEqual(['customer', 'public']);
    expect(r.docs.has('customer-tickets/T-5112')).toBe(true);
    expect(r.texts).toMatch(/halvorsen terminal cutover/);
  });

  it('the VIP ticket is bob-only: carol (security, reads customer with approval) never sees it', async () => {
    const carol = await connectAgent(runtime, 'carol', 'audit-assistant');
    await approve(carol, 'customer', 'bob');
    const r = await reach(carol);
    expect(r.classes.has('customer')).toBe(true);
    expect(r.docs.has('customer-tickets/T-5112')).toBe(false);
    expect(r.texts).not.toMatch(/halvorsen terminal cutover/i);
    await carol.close();
  });

  it('carol via claude-code: public, internal, security; customer and regulated never, even with approvals', async () => {
    const carol = await connectAgent(runtime, 'carol', 'claude-code');
    expect(sorted((await reach(carol)).classes)).toEqual(['internal', 'public', 'security']);
    await approve(carol, 'customer', 'bob');
    await approve(carol, 'regulated', 'erin');
    expect(sorted((await reach(carol)).classes)).toEqual(['internal', 'public', 'security']);
    await carol.close();
  });

  it('carol via audit-assistant: customer after bob approves, regulated after erin approves, for that task only', async () => {
    const carol = await connectAgent(runtime, 'carol', 'audit-assistant');
    expect(sorted((await reach(carol)).classes)).toEqual(['internal', 'public', 'security']);
    await approve(carol, 'customer', 'bob');
    expect(sorted((await reach(carol)).classes)).toEqual(['customer', 'internal', 'public', 'security']);
    await approve(carol, 'regulated', 'erin');
    const all = await reach(carol);
    expect(sorted(all.classes)).toEqual(['customer', 'internal', 'public', 'regulated', 'security']);
    // The stale regulated source (dsr-requests, past its review date) is excluded by policy (classes.yaml).
    expect([...all.docs].some((d) => d.startsWith('dsr-requests/'))).toBe(false);
    const otherTask = await connectAgent(runtime, 'carol', 'audit-assistant');
    expect(sorted((await reach(otherTask)).classes)).toEqual(['internal', 'public', 'security']);
    await Promise.all([carol.close(), otherTask.close()]);
  });

  it('dan: public + business via audit-assistant, public only via ops-agent', async () => {
    expect(sorted((await reachOf('dan', 'audit-assistant')).classes)).toEqual(['business', 'public']);
    expect(sorted((await reachOf('dan', 'ops-agent')).classes)).toEqual(['public']);
  });

  it('erin via audit-assistant: public + regulated', async () => {
    const r = await reachOf('erin', 'audit-assistant');
    expect(sorted(r.classes)).toEqual(['public', 'regulated']);
    expect(r.texts).toMatch(/assessor ledger cobalt/);
  });

  it('gina via any agent: public only', async () => {
    for (const agent of ['claude-code', 'support-assistant', 'ops-agent', 'audit-assistant']) {
      expect(sorted((await reachOf('gina', agent)).classes)).toEqual(['public']);
    }
  });
});

describe('tools and the method allowlist per agent', () => {
  it('lists exactly the workflow methods, and refuses others as boundary pressure', async () => {
    const expected: Record<string, string[]> = {
      'claude-code': ['check_release', 'fetch', 'list_sources', 'request_access', 'search', 'session_info'],
      'support-assistant': ['fetch', 'list_sources', 'search', 'session_info'],
      'ops-agent': ['list_sources', 'search', 'session_info'],
      'audit-assistant': ['fetch', 'list_sources', 'request_access', 'search', 'session_info'],
    };
    for (const [agentId, methods] of Object.entries(expected)) {
      const agent = await connectAgent(runtime, 'gina', agentId);
      const { tools } = await agent.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(methods);
      for (const tool of tools) expect(tool.annotations?.readOnlyHint).toBe(tool.name !== 'request_access');
      await agent.close();
    }
    const ops = await connectAgent(runtime, 'frank', 'ops-agent');
    await expect(ops.call('fetch', { id: 'runbooks/prod-database.md' })).rejects.toThrow(/not available to this task/);
    await ops.close();
  });

  it('a task scope narrows methods and classes further', async () => {
    const alice = await connectAgent(runtime, 'alice', 'claude-code', { classes: ['public'], methods: ['search', 'session_info'] });
    expect((await alice.client.listTools()).tools.map((t) => t.name).sort()).toEqual(['search', 'session_info']);
    expect(sorted((await reach(alice)).classes)).toEqual(['public']);
    await alice.close();
  });

  it('fetch answers identically for a missing and a forbidden document', async () => {
    const alice = await connectAgent(runtime, 'alice', 'claude-code');
    const forbidden = await alice.call('fetch', { id: 'runbooks/prod-database.md' });
    const missing = await alice.call('fetch', { id: 'runbooks/does-not-exist.md' });
    const norm = (r: typeof forbidden) => JSON.stringify({ ...r, content: r.content.map((c) => c.text.replace(/"[^"]+"/, '"ID"')), _meta: undefined });
    expect(norm(forbidden)).toBe(norm(missing));
    expect(forbidden.isError).toBe(true);
    const allowed = await alice.call('fetch', { id: 'postmortems/inc-2041-postmortem.md' });
    const doc = (allowed.structuredContent as { document: { text: string; data_class: string } }).document;
    expect(doc.data_class).toBe('internal');
    expect(doc.text).toContain('# INC-2041 postmortem');
    await alice.close();
  });

  it('list_sources shows only reachable sources and marks approval-gated ones; nothing about the rest', async () => {
    const alice = await connectAgent(runtime, 'alice', 'claude-code');
    const r = await alice.call('list_sources', {});
    const sources = (r.structuredContent as { sources: { source: string; needs_approval: boolean }[] }).sources;
    expect(sources.map((s) => s.source).sort()).toEqual(['eng-docs', 'postmortems', 'public-docs', 'runbooks', 'status-page', 'telemetry']);
    expect(sources.find((s) => s.source === 'telemetry')?.needs_approval).toBe(true);
    expect(JSON.stringify(r)).not.toMatch(/security-reviews|customer-tickets|pci-audit|business/);
    await alice.close();
  });

  it('request_access answers the same shape for an existing and a non-existing source', async () => {
    const alice = await connectAgent(runtime, 'alice', 'claude-code');
    const a = await alice.call('request_access', { source: 'security-reviews', reason: 'need the review' });
    const b = await alice.call('request_access', { source: 'no-such-source', reason: 'need the review' });
    const shape = (r: typeof a) =>
      JSON.stringify(r)
        .replace(/apr_[0-9a-f]+/g, 'ID')
        .replace(/run_[0-9a-f-]+/g, 'RUN');
    expect(shape(a)).toBe(shape(b));
    await alice.close();
  });

  it('session_info and check_release follow what the run received (release rule by reader sets)', async () => {
    const gina = await connectAgent(runtime, 'gina', 'claude-code');
    await reach(gina);
    expect((await gina.call('check_release', { destination_class: 'public' })).structuredContent).toMatchObject({ allowed: true });
    await gina.close();

    const alice = await connectAgent(runtime, 'alice', 'claude-code');
    await reach(alice);
    const info = (await alice.call('session_info', {})).structuredContent as { received: { classes: string[] } };
    expect(info.received.classes).toEqual(['internal', 'public']);
    // business readers (dan) cannot read internal: refused.
    expect((await alice.call('check_release', { destination_class: 'business' })).structuredContent).toMatchObject({
      allowed: false,
      blocking_classes: ['internal'],
    });
    await alice.close();

    // No sample agent has both customer and check_release, so the quote check runs on the release rule
    // the tool uses, with a customer chunk bob really received.
    const bob = await connectAgent(runtime, 'bob', 'support-assistant');
    const hits = (await bob.call('search', { query: 'Fjordline asks whether their account was breached', k: 3 })).structuredContent as unknown as SearchResults;
    const ticket = hits.results.find((r) => r.data_class === 'customer')!;
    await bob.close();
    const received = [{ data_class: 'customer', doc_id: ticket.citation.doc_id, chunk_hash: 'h', shingles: shingleHashes(ticket.text) }];
    const verdict = checkRelease({
      received,
      destinationClass: 'public',
      draft: `Update for everyone: ${ticket.text.slice(0, 200)}`,
      readers: runtime.app.policy(),
    });
    expect(verdict.allowed).toBe(false);
    expect(verdict.quoted[0]?.doc_id).toBe(ticket.citation.doc_id);
  });
});
