import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectAgent, sampleRuntime, tempWorld, type SearchResults } from '../helpers/world.js';

describe('approval gates on a single source (policy/approvals.csv: source:<id>)', () => {
  it('hides a gated source until its approver approves it for this task; nobody else can approve', async () => {
    const config = tempWorld();
    appendFileSync(
      path.join(config.policyDir, 'approvals.csv'),
      '\np, group:engineering, source:postmortems, read_with_approval, allow\np, user:carol, source:postmortems, approve, allow\n',
    );
    const runtime = await sampleRuntime(config);
    const alice = await connectAgent(runtime, 'alice', 'claude-code');
    const docs = async () =>
      new Set(
        ((await alice.call('search', { query: 'INC-2041 postmortem', k: 50, mode: 'vector' })).structuredContent as unknown as SearchResults).results.map(
          (r) => r.citation.source,
        ),
      );
    expect((await docs()).has('postmortems')).toBe(false);
    expect((await docs()).has('eng-docs')).toBe(true);
    const listed = (await alice.call('list_sources', {})).structuredContent as { sources: { source: string; needs_approval: boolean }[] };
    expect(listed.sources.find((s) => s.source === 'postmortems')?.needs_approval).toBe(true);
    expect((await alice.call('fetch', { id: 'postmortems/inc-2041-postmortem.md' })).isError).toBe(true);

    const req = await alice.call('request_access', { source: 'postmortems', reason: 'need the root cause' });
    const id = (req.structuredContent as { request_id: string }).request_id;
    const may = (human: string) => (row: { target_kind: 'class' | 'source'; target_id: string }) =>
      runtime.app.policy().approversFor(row.target_kind, row.target_id).has(human);
    await expect(runtime.app.governance.approve(id, { human: 'frank', auth: 'test' }, 600, may('frank'))).rejects.toThrow(/not an approver/);
    await runtime.app.governance.approve(id, { human: 'carol', auth: 'test' }, 600, may('carol'));
    expect((await docs()).has('postmortems')).toBe(true);
    expect((await alice.call('fetch', { id: 'postmortems/inc-2041-postmortem.md' })).isError).toBeFalsy();

    const otherTask = await connectAgent(runtime, 'alice', 'claude-code');
    expect((await otherTask.call('fetch', { id: 'postmortems/inc-2041-postmortem.md' })).isError).toBe(true);
    await Promise.all([alice.close(), otherTask.close()]);
    await runtime.close();
  });
});

describe('check_release through the MCP tool', () => {
  it('catches a draft quoting a customer chunk when the destination is public', async () => {
    const config = tempWorld();
    // No sample agent has both customer data and check_release; give audit-assistant the method.
    appendFileSync(path.join(config.policyDir, 'agents.csv'), '\np, agent:audit-assistant, method:check_release, call, allow\n');
    const runtime = await sampleRuntime(config);
    const carol = await connectAgent(runtime, 'carol', 'audit-assistant');
    const req = await carol.call('request_access', { class: 'customer', reason: 'review affected merchants' });
    await runtime.app.governance.approve((req.structuredContent as { request_id: string }).request_id, { human: 'bob', auth: 'test' }, 600, (row) =>
      runtime.app.policy().approversFor(row.target_kind, row.target_id).has('bob'),
    );
    const hits = (await carol.call('search', { query: 'Fjordline asks whether their account was breached', k: 3 }))
      .structuredContent as unknown as SearchResults;
    const ticket = hits.results.find((r) => r.data_class === 'customer')!;
    const verdict = (await carol.call('check_release', { destination_class: 'public', draft: `Public update: ${ticket.text.slice(0, 240)}` }))
      .structuredContent as { allowed: boolean; blocking_classes: string[]; quoted: { doc_id: string }[] };
    expect(verdict.allowed).toBe(false);
    expect(verdict.blocking_classes).toContain('customer');
    expect(verdict.quoted[0]?.doc_id).toBe(ticket.citation.doc_id);
    await carol.close();
    await runtime.close();
  });
});
