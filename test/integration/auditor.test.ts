import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPacket, PACKET_FIELDS, RunReportSchema } from '../../src/audit/packet.js';
import { readAuditRecords } from '../../src/audit/reader.js';
import { traceRun } from '../../src/audit/trace.js';
import { whoRead } from '../../src/audit/who-read.js';
import { buildCard, CARD_FIELDS } from '../../src/governance/card.js';
import { gateDeps, type ServerRuntime } from '../../src/app/server.js';
import { Gate } from '../../src/gate/gate.js';
import { connectAgent, sampleRuntime, tempWorld } from '../helpers/world.js';

let runtime: ServerRuntime;
beforeAll(async () => {
  runtime = await sampleRuntime(tempWorld({ redactQueries: false }));
});
afterAll(async () => runtime.close());

describe('auditor views over the real record', () => {
  it('packet has every DESIGN.md field in order, observed vs reported vs not observed', async () => {
    const alice = await connectAgent(runtime, 'alice', 'claude-code');
    await alice.call('search', { query: 'INC-2041 postmortem', k: 3 });
    await alice.call('fetch', { id: 'runbooks/prod-database.md' });
    await alice.close();
    const trace = traceRun(await readAuditRecords(runtime.app.config.auditDir), alice.runId)!;
    const packet = buildPacket(trace, RunReportSchema.parse({ commands_run: ['npm test'], tests_passed: ['unit'] }));
    expect(packet.map((f) => f.field)).toEqual([...PACKET_FIELDS]);
    const byName = Object.fromEntries(packet.map((f) => [f.field, f]));
    expect(byName['Commands run']).toMatchObject({ provenance: 'reported', value: ['npm test'] });
    expect(byName['Files changed']).toMatchObject({ provenance: 'not observed' });
    expect(byName['MCP methods allowed']!.value).toContain('check_release');
    expect(byName['Data classes reachable']!.value).toEqual(['public', 'internal', 'telemetry (only with approval)']);
    expect(byName['Tool calls and reasons']!.value).toHaveLength(2);
    expect(byName['Boundary pressure']!.value[0]).toMatch(/not_found_or_forbidden via fetch/);
    expect(() => RunReportSchema.parse({ commandsRun: [] })).toThrow();
  });

  it('who-read finds exactly the runs that received a document, and none other', async () => {
    const bob = await connectAgent(runtime, 'bob', 'support-assistant');
    await bob.call('fetch', { id: 'customer-tickets/T-5112' });
    await bob.close();
    const gina = await connectAgent(runtime, 'gina', 'claude-code');
    await gina.call('fetch', { id: 'customer-tickets/T-5112' });
    await gina.call('search', { query: 'status page', k: 2 });
    await gina.close();
    const records = await readAuditRecords(runtime.app.config.auditDir);
    const readers = whoRead(records, 'customer-tickets/T-5112');
    expect(readers.map((r) => r.runId)).toEqual([bob.runId]);
    expect(readers[0]).toMatchObject({ human: 'bob', agent: 'support-assistant', docs: [{ docId: 'customer-tickets/T-5112', dataClass: 'customer' }] });
    expect(whoRead(records, 'customer-tickets').map((r) => r.runId)).toEqual([bob.runId]);
  });

  it('records query text unless redaction is configured', async () => {
    const redacted = await sampleRuntime(tempWorld({ redactQueries: true }));
    const agent = await connectAgent(redacted, 'gina', 'claude-code');
    await agent.call('search', { query: 'a very specific question', k: 1 });
    await agent.close();
    const calls = (await readAuditRecords(redacted.app.config.auditDir)).filter((r) => r.kind === 'call');
    expect(JSON.stringify(calls)).not.toContain('a very specific question');
    expect(calls[0]).toMatchObject({ args: { query: '[redacted]' } });
    await redacted.close();
    const plain = (await readAuditRecords(runtime.app.config.auditDir)).filter((r) => r.kind === 'call');
    expect(JSON.stringify(plain)).toContain('INC-2041 postmortem');
  });

  it('the review card has all 14 fields, filled from config, policy and the store', async () => {
    const card = buildCard(runtime.app.config, runtime.app.policy(), [...(await runtime.app.sources.all()).values()], Date.parse('2026-11-24'));
    expect(card.map((f) => f.field)).toEqual([...CARD_FIELDS]);
    const field = (name: string) => card.find((f) => f.field === name)!;
    expect(field('Server name').value).toEqual([runtime.app.policy().server.server_name]);
    expect(field('Human owner').value).toEqual(['user:carol']);
    expect(field('Kill switch owner').value[0]).toMatch(/^user:frank/);
    expect(field('Logging location').value[0]).toContain(runtime.app.config.auditDir);
    expect(field('Retention period').value[0]).toMatch(/^400d/);
    expect(field('Credentials used').value[0]).toContain(runtime.app.config.resource);
    expect(field('Write methods exposed').value[0]).toMatch(/^none/);
    expect(field('Read methods exposed').value).toEqual(['search', 'fetch', 'list_sources', 'session_info', 'check_release']);
    expect(field('Agent workflows allowed to use it').value).toHaveLength(4);
    expect(field('Approval required for').value.join('\n')).toMatch(/telemetry: for alice; approved by frank/);
    expect(field('Data classes reachable').warning).toMatch(/dsr-requests/);
    expect(field('Last review date').warning).toBeUndefined();
    const later = buildCard(runtime.app.config, runtime.app.policy(), [], Date.parse('2027-06-01'));
    expect(later.find((f) => f.field === 'Last review date')!.warning).toMatch(/days old; the interval is 90 days/);
  });

  it('an approval expires: the gated class disappears again for that task', async () => {
    // Time is the governance clock (liveApprovals' `now`), not a sleep: a busy machine cannot make
    // the approval expire early (before the first check) or late.
    let clock = Date.now();
    const gate = new Gate({
      ...gateDeps(runtime.app, runtime.watcher),
      liveApprovals: (identity) => runtime.app.governance.liveApprovals(identity.taskId, identity.human, clock),
    });
    {
      const alice = await connectAgent({ ...runtime, gate }, 'alice', 'claude-code');
      const req = await alice.call('request_access', { class: 'telemetry', reason: 'short look at alerts' });
      const id = (req.structuredContent as { request_id: string }).request_id;
      const approved = await runtime.app.governance.approve(id, { human: 'frank', auth: 'test' }, 120, (row) =>
        runtime.app.policy().approversFor(row.target_kind, row.target_id).has('frank'),
      );
      const expiresAt = Date.parse(approved.expires_at!);
      const telemetry = async () =>
        (
          (await alice.call('search', { query: 'INC-2041 alert', k: 50, mode: 'vector' })).structuredContent as { results: { data_class: string }[] }
        ).results.filter((r) => r.data_class === 'telemetry').length;
      clock = Date.now();
      expect(await telemetry()).toBeGreaterThan(0);
      clock = expiresAt - 1;
      expect(await telemetry(), 'one millisecond before expiry').toBeGreaterThan(0);
      expect(await runtime.app.governance.liveApprovals(alice.grant.taskId, 'alice', expiresAt - 1)).toHaveLength(1);
      clock = expiresAt;
      expect(await telemetry(), 'at expiry').toBe(0);
      expect(await runtime.app.governance.liveApprovals(alice.grant.taskId, 'alice', expiresAt)).toEqual([]);
      clock = expiresAt + 60_000;
      expect(await telemetry(), 'after expiry').toBe(0);
      await alice.close();
    }
  });
});
