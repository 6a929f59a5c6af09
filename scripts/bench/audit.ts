import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { loadConfig } from '../../src/config/config.js';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { mintGrant } from '../../src/identity/mint.js';
import { loadOrCreateSigningKey } from '../../src/identity/keys.js';
import type { AuditPort } from '../../src/mcp/audit-port.js';
import { openServer } from '../../src/app/server.js';
import { ingestCorpora } from '../../src/app/ingest.js';
import { buildServer } from '../../src/mcp/server.js';
import { startRun, type SessionDeps } from '../../src/mcp/session.js';
import { percentile, report, round, type Row } from './report.js';

const NO_AUDIT: AuditPort = { recordCall: async () => undefined, recordRun: async () => undefined, recordProtocol: async () => undefined };
const QUERIES = ['INC-2041 root cause', 'config push canary latency gate', 'API key rotation', 'log redaction filter', 'checkout p95 latency'];

/** Search throughput through the MCP pipeline with the audit log on vs off, same run, same data. */
export async function runAuditBench(opts: { quick: boolean; seconds?: number }): Promise<Row[]> {
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-bench-audit-'));
  for (const dir of ['corpora', 'policy']) cpSync(path.join(PACKAGE_ROOT, dir), path.join(root, dir), { recursive: true });
  const config = loadConfig({ cwd: root, env: {} });
  const runtime = await openServer(config);
  await ingestCorpora(runtime.app);
  const key = await loadOrCreateSigningKey(config.keysDir);
  const seconds = opts.seconds ?? (opts.quick ? 6 : 20);
  const rows: Row[] = [];
  // Warm-up round (JIT, model and store caches), not reported; then alternating off/on rounds.
  const plan: [number, boolean, boolean][] = [[8, true, false]];
  for (const clients of [1, 8]) for (let round = 0; round < 3; round++) plan.push([clients, false, true], [clients, true, true]);
  for (const [clients, audited, measured] of plan) {
    {
      const deps: SessionDeps = { gate: runtime.gate, core: runtime.core, audit: audited ? runtime.audit : NO_AUDIT, admit: runtime.admit, rate: runtime.rate };
      const latencies: number[] = [];
      const deadline = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          const { grant } = await mintGrant(key, config, { human: 'carol', agent: 'audit-assistant', purpose: 'bench', scope: {}, ttlSeconds: 3600 });
          const session = await startRun(deps, grant, 'test');
          const [a, b] = InMemoryTransport.createLinkedPair();
          await buildServer(session).connect(b);
          const client = new Client({ name: 'bench', version: '1' });
          await client.connect(a);
          for (let i = c; performance.now() < deadline; i++) {
            const t = performance.now();
            await client.callTool({ name: 'search', arguments: { query: QUERIES[i % QUERIES.length], k: 5, reason: 'bench' } });
            latencies.push(performance.now() - t);
          }
          await client.close();
        }),
      );
      if (!measured) continue;
      rows.push({
        clients,
        audit: audited ? 'on' : 'off',
        calls: latencies.length,
        'calls/s': round(latencies.length / seconds, 1),
        'p50 ms': round(percentile(latencies, 50), 1),
        'p95 ms': round(percentile(latencies, 95), 1),
      });
    }
  }
  // Three alternating rounds per setting; compare the medians.
  const median = (clients: number, audit: string) =>
    percentile(
      rows.filter((r) => r.clients === clients && r.audit === audit).map((r) => Number(r['calls/s'])),
      50,
    );
  const cost8 = 1 - median(8, 'on') / median(8, 'off');
  await runtime.close();
  const t0 = performance.now();
  const verified = await verifyAudit(config.auditDir);
  const records = verified.reduce((n, v) => n + v.records, 0);
  const verifyRate = records / ((performance.now() - t0) / 1000);
  report('audit', 'Search through the MCP pipeline, audit on vs off (same run, alternating rounds after a warm-up)', rows, [
    `audit cost at 8 concurrent clients: ${round(cost8 * 100, 1)} % of throughput (goal ≤ 10 %: ${cost8 <= 0.1 ? 'met' : 'not met'})`,
    `audit verify: ${records} records in ${round((performance.now() - t0) / 1000, 2)} s = ${round(verifyRate, 0)} records/s (${verified.every((v) => v.ok) ? 'chain ok' : 'BROKEN'})`,
  ]);
  return rows;
}
