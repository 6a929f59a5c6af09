import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readAuditRecords } from '../../src/audit/reader.js';
import type { AuditRecord, CallEvent } from '../../src/audit/record.js';
import { loadConfig } from '../../src/config/config.js';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { mintGrant } from '../../src/identity/mint.js';
import { loadOrCreateSigningKey } from '../../src/identity/keys.js';
import { createHttpApp, listen, mcpPath } from '../../src/mcp/http.js';
import { openServer } from '../../src/app/server.js';
import { ingestCorpora } from '../../src/app/ingest.js';
import { percentile, report, round, type Row } from './report.js';

const QUERIES = [
  'INC-2041 root cause',
  'config push canary latency gate',
  'API key rotation',
  'log redaction filter',
  'checkout p95 latency',
  'goodwill refunds',
];
const PEOPLE: [string, string][] = [
  ['alice', 'claude-code'],
  ['bob', 'support-assistant'],
  ['carol', 'audit-assistant'],
  ['frank', 'ops-agent'],
];

/**
 * End to end through MCP: SDK clients over Streamable HTTP on 127.0.0.1 with real task grants, 1/8/32
 * concurrent clients for a bounded time. The split comes from each call's audit record (embedding,
 * policy, store) and the client-observed latency (the rest: audit fsync, MCP and HTTP).
 */
export async function runMcpHttpBench(opts: { quick: boolean; seconds?: number }): Promise<Row[]> {
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-bench-http-'));
  for (const dir of ['corpora', 'policy']) cpSync(path.join(PACKAGE_ROOT, dir), path.join(root, dir), { recursive: true });
  const config = { ...loadConfig({ cwd: root, env: {} }), httpPort: 0 };
  const runtime = await openServer(config);
  await ingestCorpora(runtime.app);
  const http = createHttpApp(config, runtime, runtime.verifier, new URL(config.resource).origin);
  const server = await listen(http.app, '127.0.0.1', 0);
  const address = server.address();
  const url = new URL(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${mcpPath(config.resource)}`);
  const key = await loadOrCreateSigningKey(config.keysDir);
  const seconds = opts.seconds ?? (opts.quick ? 8 : 30);
  const rows: Row[] = [];
  const errorSamples = new Set<string>();
  for (const clients of [1, 8, 32]) {
    const latencies: number[] = [];
    const started = new Date().toISOString();
    let errors = 0;
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const [human, agent] = PEOPLE[c % PEOPLE.length]!;
        const { token } = await mintGrant(key, config, { human, agent, purpose: 'bench', scope: {}, ttlSeconds: 3600 });
        const client = new Client({ name: 'bench-http', version: '1' });
        await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
        for (let i = c; performance.now() < deadline; i++) {
          const t = performance.now();
          try {
            await client.callTool({ name: 'search', arguments: { query: QUERIES[i % QUERIES.length], k: 5, reason: 'bench' } });
            latencies.push(performance.now() - t);
          } catch (err) {
            errors++;
            if (errorSamples.size < 5) errorSamples.add((err as Error).message.slice(0, 200));
          }
        }
        await client.close();
      }),
    );
    const calls = (await readAuditRecords(config.auditDir)).filter((r) => r.kind === 'call' && r.ts >= started && r.method === 'search') as (CallEvent &
      AuditRecord)[];
    const mean = (f: (c: CallEvent) => number) => round(calls.reduce((n, c) => n + f(c), 0) / Math.max(1, calls.length), 1);
    const server = mean((c) => c.latency_ms);
    const client = round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length), 1);
    rows.push({
      clients,
      calls: latencies.length,
      errors,
      'calls/s': round(latencies.length / seconds, 1),
      'p50 ms': round(percentile(latencies, 50), 1),
      'p95 ms': round(percentile(latencies, 95), 1),
      'p99 ms': round(percentile(latencies, 99), 1),
      'mean ms': client,
      'embed ms': mean((c) => c.timings?.embedMs ?? 0),
      'policy ms': mean((c) => c.timings?.policyMs ?? 0),
      'store ms': mean((c) => c.timings?.storeMs ?? 0),
      'audit+MCP+HTTP ms': round(client - server, 1),
    });
  }
  await http.closeAll('bench finished');
  server.close();
  await runtime.close();
  report('mcp-http', 'End to end: SDK clients over Streamable HTTP on 127.0.0.1 (search, k=5, sample corpora)', rows, [
    "Split: embed/policy/store are the server-side means from each call's audit record; the last column is the client-observed mean minus the server-side latency (audit fsync, MCP framing, HTTP).",
    'ONNX embedding and LanceDB share the 2 cores, so beyond a few clients latency grows with the queue while throughput saturates.',
    ...[...errorSamples].map((e) => `error: ${e}`),
  ]);
  return rows;
}
