import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { CLI, cliEnv, runCli } from '../helpers/cli.js';
import { tempWorld, type SearchResults } from '../helpers/world.js';
import { TestClient } from '../helpers/mcp-client.js';

describe('every call is on disk before its answer leaves', () => {
  it('kill -9 right after each answer: the call record, with provenance, is already durable', async () => {
    const config = tempWorld();
    expect((await runCli(config, ['ingest'])).status).toBe(0);
    const token = (
      await runCli(config, ['task', 'start', '--owner', 'bob', '--agent', 'support-assistant', '--purpose', 'durability', '--token-only'])
    ).stdout.trim();
    for (const query of ['failed payments during INC-2041', 'Halvorsen Freight key rotation']) {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'serve', '--stdio'],
        env: cliEnv(config, { CLEARANCE_TASK_TOKEN: token }) as Record<string, string>,
        stderr: 'pipe',
      });
      const client = new TestClient({ name: 'durability', version: '1.0.0' });
      await client.connect(transport);
      const answer = (await client.callTool({ name: 'search', arguments: { query, k: 3, reason: 'check durability' } }))
        .structuredContent as unknown as SearchResults;
      transport['_process']!.kill('SIGKILL');
      const records = readdirSync(config.auditDir)
        .filter((f) => f.endsWith('.jsonl'))
        .flatMap((f) =>
          readFileSync(path.join(config.auditDir, f), 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l)),
        );
      const call = records.find((r) => r.kind === 'call' && r.args?.query === query);
      expect(call).toBeDefined();
      expect(call).toMatchObject({
        human: 'bob',
        agent: 'support-assistant',
        method: 'search',
        reason: 'check durability',
        decision: 'allowed',
        withheld: 0,
        policy_version: expect.any(String),
        model_id: expect.stringContaining('all-MiniLM-L6-v2'),
        table_version: expect.any(Number),
      });
      expect(call.chunks.map((c: { chunk_hash: string }) => c.chunk_hash)).toEqual(
        answer.results.map((r) => (r as unknown as { citation: { chunk_hash: string } }).citation.chunk_hash),
      );
      for (const chunk of call.chunks)
        expect(Object.keys(chunk).sort()).toEqual(['chunk_hash', 'data_class', 'doc_id', 'doc_version', 'ordinal', 'rule', 'score', 'source', 'span']);
      expect(JSON.stringify(records)).not.toContain(token);
      expect(JSON.stringify(call)).not.toMatch(/Bob is the only contact/); // provenance, never content
    }
    const verify = await runCli(config, ['audit', 'verify']);
    expect(verify.status, verify.stdout).toBe(0);
  });
});
