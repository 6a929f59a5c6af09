import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerRuntime } from '../../src/app/server.js';
import { readAuditRecords } from '../../src/audit/reader.js';
import { CallRate, QuotasSchema } from '../../src/config/quotas.js';
import { createHttpApp, listen, mcpPath } from '../../src/mcp/http.js';
import { connectAgent, grantFor, sampleRuntime, tempWorld } from '../helpers/world.js';
import { waitFor } from '../helpers/wait.js';
import { TestClient } from '../helpers/mcp-client.js';

let runtime: ServerRuntime;
beforeAll(async () => {
  runtime = await sampleRuntime(tempWorld({ quotas: QuotasSchema.parse({ sessionsPerGrant: 3, sessionIdleSeconds: 1, pendingRequestsPerTask: 4 }) }));
});
afterAll(async () => runtime.close());

describe('quotas: one task or grant cannot exhaust the server or the approvers (finding 8)', () => {
  it('finding 8: initialize calls past the per-grant session limit are refused with a clear error; idle sessions expire', async () => {
    const { config } = runtime.app;
    const http = createHttpApp(config, runtime, runtime.verifier, 'http://127.0.0.1');
    const server = await listen(http.app, '127.0.0.1', 0);
    const address = server.address() as { port: number };
    const url = new URL(`http://127.0.0.1:${address.port}${mcpPath(config.resource)}`);
    const { token } = await grantFor(config, 'alice', 'claude-code');
    const connect = async () => {
      const client = new TestClient({ name: 'quota', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      return client;
    };
    try {
      const open: Client[] = [];
      const outcomes: string[] = [];
      for (let i = 0; i < 6; i++) {
        try {
          open.push(await connect());
          outcomes.push('open');
        } catch (err) {
          outcomes.push((err as Error).message);
        }
      }
      expect(outcomes.slice(0, 3)).toEqual(['open', 'open', 'open']);
      for (const refused of outcomes.slice(3)) expect(refused).toMatch(/open sessions \(the limit\)/);
      // With no request for sessionIdleSeconds, the server closes them; new ones may then open.
      await waitFor(
        async () => {
          try {
            const client = await connect();
            open.push(client);
            return true;
          } catch {
            return false;
          }
        },
        { timeoutMs: 120_000, intervalMs: 200, what: 'an idle session to expire' },
      );
      const ends = (await readAuditRecords(config.auditDir)).filter((r) => r.kind === 'run.end' && r.end_reason === 'idle session expired');
      expect(ends.length).toBeGreaterThan(0);
      await Promise.all(open.map((c) => c.close().catch(() => undefined)));
    } finally {
      await http.closeAll('test done');
      server.close();
    }
  });

  it('finding 8: concurrent initialize calls on one grant cannot overrun the session limit', async () => {
    const { config } = runtime.app;
    const http = createHttpApp(config, runtime, runtime.verifier, 'http://127.0.0.1');
    const server = await listen(http.app, '127.0.0.1', 0);
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}${mcpPath(config.resource)}`;
    const { token } = await grantFor(config, 'alice', 'claude-code');
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'flood', version: '1' } },
    };
    try {
      // All sent before any is answered: the check must count sessions still initialising.
      const responses = await Promise.all(
        Array.from({ length: 30 }, () =>
          fetch(url, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
            body: JSON.stringify(initialize),
          }),
        ),
      );
      await Promise.all(responses.map((r) => r.arrayBuffer()));
      const opened = responses.filter((r) => r.ok && r.headers.has('mcp-session-id'));
      expect(opened).toHaveLength(config.quotas.sessionsPerGrant);
      expect(responses.filter((r) => r.status === 429)).toHaveLength(30 - config.quotas.sessionsPerGrant);
    } finally {
      await http.closeAll('test done');
      server.close();
    }
  });

  it('finding 8: calls past the per-task rate are refused with a clear error and audited', async () => {
    const agent = await connectAgent({ ...runtime, rate: new CallRate(3) }, 'alice', 'claude-code');
    for (let i = 0; i < 3; i++) await agent.call('session_info', {});
    await expect(agent.call('session_info', {})).rejects.toThrow(/Quota exceeded: task .* made 3 calls in the last minute/);
    const records = await readAuditRecords(runtime.app.config.auditDir);
    expect(records.some((r) => r.kind === 'call' && r.run_id === agent.runId && r.denial === 'quota_exceeded')).toBe(true);
    await agent.close();
  });

  it('finding 8: a flood of request_access calls leaves a bounded, deduplicated queue', async () => {
    const before = (await runtime.app.governance.listApprovals('pending')).length;
    const agent = await connectAgent(runtime, 'alice', 'claude-code');
    const again = await agent.call('request_access', { source: 'nope-0', reason: 'flood' });
    const same = await agent.call('request_access', { source: 'nope-0', reason: 'flood again' });
    expect((same.structuredContent as { request_id: string }).request_id).toBe((again.structuredContent as { request_id: string }).request_id);
    let refused = 0;
    for (let i = 1; i < 100; i++) await agent.call('request_access', { source: `nope-${i}`, reason: 'flood' }).catch(() => refused++);
    expect(refused).toBe(100 - 4);
    expect((await runtime.app.governance.listApprovals('pending')).length - before).toBe(4);
    await agent.close();
  });
});
