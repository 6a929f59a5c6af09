import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { Embedder } from '../../src/embed/embedder.js';
import type { RequestIdentity } from '../../src/identity/identity.js';
import { mintGrant } from '../../src/identity/mint.js';
import { loadOrCreateSigningKey } from '../../src/identity/keys.js';
import { ingestAll } from '../../src/ingest/ingest.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { search } from '../../src/retrieval/search.js';
import { SourceCatalog } from '../../src/retrieval/source-catalog.js';
import { contextFor } from '../../src/gate/gate.js';
import { Store } from '../../src/store/store.js';
import { startLocalS3 } from '../s3-local.js';
import { startServeProcess } from '../serve-process.js';
import { percentile, report, round, type Row } from './report.js';

const QUERIES = [
  'INC-2041 root cause',
  'config push canary latency gate',
  'API key rotation',
  'log redaction filter',
  'checkout p95 latency',
  'on-call escalation',
];
const ALICE: RequestIdentity = {
  human: 'alice',
  agent: 'claude-code',
  taskId: 'bench',
  purpose: 'bench',
  runId: 'bench',
  transport: 'test',
  scope: {},
  grantExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
};

/**
 * Scale-out: the same search on a local LanceDB folder and on an S3-compatible store (s3rver on
 * 127.0.0.1), the delay before a second reader sees a new ingest, and HTTP throughput with one vs two
 * replica processes over one store.
 */
export async function runScaleOutBench(opts: { quick: boolean; seconds?: number }): Promise<Row[]> {
  const s3 = await startLocalS3();
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) process.env[name] = s3.env[name];
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-bench-scale-'));
  for (const dir of ['corpora', 'policy']) cpSync(path.join(PACKAGE_ROOT, dir), path.join(root, dir), { recursive: true });
  const local = loadConfig({ cwd: root, env: {} });
  const remote: Config = { ...local, storeUri: `s3://${s3.bucket}/bench`, storageOptions: s3.storageOptions };
  const policy = await PolicyEngine.load(local.policyDir);
  const embedder = await Embedder.load(local.modelDir, local.modelDtype);
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    // 1. Search latency, local folder vs object storage, same data and queries.
    const searches = opts.quick ? 30 : 200;
    for (const [name, config] of [
      ['local folder', local],
      ['S3-compatible (s3rver)', remote],
    ] as const) {
      const store = await Store.open(config);
      const sources = new SourceCatalog(store);
      await ingestAll({ corporaDir: config.corporaDir, store, embedder, knownClasses: new Set(policy.classes.map((c) => c.id)), directory: policy });
      const latencies: number[] = [];
      for (let i = 0; i < searches + 5; i++) {
        const t = performance.now();
        await search({ store, embedder, sources }, contextFor(policy, ALICE, []), { query: QUERIES[i % QUERIES.length]!, k: 5 });
        if (i >= 5) latencies.push(performance.now() - t); // the first five warm caches
      }
      store.close();
      rows.push({
        measure: `search, ${name}`,
        n: searches,
        'p50 ms': round(percentile(latencies, 50), 1),
        'p95 ms': round(percentile(latencies, 95), 1),
        'calls/s': null,
        errors: null,
      });
    }
    const [localRow, s3Row] = rows;
    notes.push(
      `S3-compatible / local search p50: ${round(Number(s3Row!['p50 ms']) / Number(localRow!['p50 ms']), 2)}x (strong read consistency: every search checks the latest table version).`,
    );

    // 2. How long a second reader (read-consistency interval 1 s, like a replica) takes to see a new ingest.
    const reader = await Store.open({ ...remote, readConsistencySeconds: 1 });
    const readerTable = await reader.chunks();
    const writer = await Store.open(remote);
    const delays: number[] = [];
    for (let trial = 0; trial < 3; trial++) {
      await readerTable.version();
      appendFileSync(path.join(root, 'corpora/runbooks/checkout-latency.md'), `\n\nFreshness measurement paragraph ${trial}.\n`);
      await ingestAll({ corporaDir: remote.corporaDir, store: writer, embedder, knownClasses: new Set(policy.classes.map((c) => c.id)), directory: policy });
      const committed = await (await writer.chunks()).version();
      const t0 = performance.now();
      while ((await readerTable.version()) < committed) await new Promise((r) => setTimeout(r, 20));
      delays.push(performance.now() - t0);
    }
    writer.close();
    reader.close();
    rows.push({
      measure: 're-ingest visible to another reader (interval 1 s)',
      n: delays.length,
      'p50 ms': round(percentile(delays, 50), 0),
      'p95 ms': null,
      'calls/s': null,
      errors: null,
    });
    notes.push(
      `Re-ingest visibility: ${delays.map((d) => round(d, 0)).join(', ')} ms after the writer's commit (bounded by the 1 s interval plus one version check).`,
    );

    // 3. Throughput with 1 vs 2 replica processes over the S3-compatible store, same clients and time.
    const seconds = opts.seconds ?? (opts.quick ? 5 : 20);
    const key = await loadOrCreateSigningKey(local.keysDir);
    const errorSamples = new Set<string>();
    for (const replicas of [1, 2]) {
      const servers = await Promise.all(
        Array.from({ length: replicas }, (_, i) =>
          startServeProcess({
            ...s3.env,
            CLEARANCE_HOME: remote.home,
            CLEARANCE_POLICY_DIR: remote.policyDir,
            CLEARANCE_MODEL_DIR: remote.modelDir,
            CLEARANCE_STORE_URI: remote.storeUri,
            CLEARANCE_REPLICA_ID: `bench-r${i + 1}`,
            CLEARANCE_AUDIT_DIR: mkdtempSync(path.join(tmpdir(), 'clearance-bench-replica-')),
          }),
        ),
      );
      try {
        const latencies: number[] = [];
        let errors = 0;
        // Connect every client first, then run the timed load: a slow start never eats the measured window.
        const clients = await Promise.all(
          Array.from({ length: 8 }, async (_, c) => {
            const { token } = await mintGrant(key, local, { human: 'alice', agent: 'claude-code', purpose: 'bench', scope: {}, ttlSeconds: 3600 });
            const client = new Client({ name: 'bench-scale', version: '1' });
            // Bounded: a call that takes over 15 s counts as an error instead of stalling the run.
            await client.connect(
              new StreamableHTTPClientTransport(new URL(servers[c % replicas]!.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
              { timeout: 15_000 },
            );
            return client;
          }),
        );
        const deadline = performance.now() + seconds * 1000;
        await Promise.all(
          clients.map(async (client, c) => {
            // At least one call per client, however busy the machine.
            for (let i = c; i === c || performance.now() < deadline; i++) {
              const t = performance.now();
              const result = await client
                .callTool({ name: 'search', arguments: { query: QUERIES[i % QUERIES.length], k: 5, reason: 'bench' } }, undefined, { timeout: 15_000 })
                .catch((err: Error) => {
                  if (errorSamples.size < 3) errorSamples.add(err.message.slice(0, 160));
                  return null;
                });
              if (result && !result.isError) latencies.push(performance.now() - t);
              else {
                errors++;
                if (result && errorSamples.size < 3) errorSamples.add(JSON.stringify(result.content).slice(0, 160));
              }
            }
            await client.close();
          }),
        );
        rows.push({
          measure: `HTTP search, ${replicas} replica${replicas > 1 ? 's' : ''} (8 clients)`,
          n: latencies.length,
          'p50 ms': round(percentile(latencies, 50), 1),
          'p95 ms': round(percentile(latencies, 95), 1),
          'calls/s': round(latencies.length / seconds, 1),
          errors,
        });
      } finally {
        servers.forEach((s) => s.child.kill('SIGTERM'));
      }
    }
    const [one, two] = rows.slice(-2);
    notes.push(...[...errorSamples].map((e) => `error: ${e}`));
    notes.push(
      `2 / 1 replicas throughput: ${round(Number(two!['calls/s']) / Number(one!['calls/s']), 2)}x. On 2 cores both replicas compete for the same CPUs (query embedding and LanceDB decoding are CPU-bound), so no gain is expected; replicas scale on separate machines, each with its own cores, sharing only the store.`,
    );
  } finally {
    await embedder.dispose();
    await s3.close();
  }
  report('scaleout', 'Scale-out: local folder vs S3-compatible store, reader freshness, 1 vs 2 replicas', rows, notes);
  return rows;
}
