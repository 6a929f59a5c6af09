import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { Command } from 'commander';
import { loadConfig } from '../src/config/config.js';
import { PACKAGE_ROOT } from '../src/config/package.js';
import { Embedder } from '../src/embed/embedder.js';
import { mintGrant } from '../src/identity/mint.js';
import { loadOrCreateSigningKey } from '../src/identity/keys.js';
import { ingestAll } from '../src/ingest/ingest.js';
import { PolicyEngine } from '../src/policy/engine.js';
import { Store } from '../src/store/store.js';
import { percentile, report, round, type Row } from './bench/report.js';
import { rssMbOf, sessionAttack } from './load-session-attack.js';
import { startServeProcess } from './serve-process.js';

process.env.LANCEDB_LOG ??= 'error';

/**
 * Load and soak on 127.0.0.1 (not in CI): many concurrent SDK clients over Streamable HTTP against a
 * real `clearance serve --http` process on the sample corpora, mixing permitted and forbidden calls.
 * Counts protocol errors (transport or JSON-RPC failures other than a deliberate refusal) and leaks
 * (a canary phrase reaching someone SCENARIO.md does not entitle), and samples the server's RSS.
 * Exits non-zero on any protocol error or leak.
 */

// Who may ever read each canary (SCENARIO.md; no approvals are granted during the load run).
const CANARIES: Record<string, string[]> = {
  'breakglass rota amber seven': ['frank'], // runbooks/prod-database.md: SRE only
  'halvorsen terminal cutover': ['bob'], // customer-tickets T-5112: bob only
  'assessor ledger cobalt': ['erin'], // pci-audit: regulated
};
const PEOPLE: [string, string][] = [
  ['alice', 'claude-code'],
  ['bob', 'support-assistant'],
  ['carol', 'claude-code'],
  ['dan', 'audit-assistant'],
  ['erin', 'audit-assistant'],
  ['frank', 'ops-agent'],
  ['gina', 'claude-code'],
];

type Outcome = 'answered' | 'refused' | 'protocol-error';

/** A refusal is a well-formed MCP answer: an isError result, or a JSON-RPC error the server chose. */
async function callOnce(client: Client, name: string, args: Record<string, unknown>): Promise<{ outcome: Outcome; text: string }> {
  try {
    const result = await client.callTool({ name, arguments: { reason: 'load test', ...args } }, undefined, { timeout: 60_000 });
    return { outcome: result.isError ? 'refused' : 'answered', text: JSON.stringify(result) };
  } catch (err) {
    // Method not allowed, kill switch, quota: the server's deliberate JSON-RPC refusals (invalid input is an isError result).
    if (err instanceof McpError && (err.code === ErrorCode.InvalidParams || err.code === ErrorCode.InvalidRequest))
      return { outcome: 'refused', text: err.message };
    return { outcome: 'protocol-error', text: (err as Error).message };
  }
}

async function main(opts: { clients: number; seconds: number; soakMinutes: number; soakClients: number }) {
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-load-'));
  for (const dir of ['corpora', 'policy']) cpSync(path.join(PACKAGE_ROOT, dir), path.join(root, dir), { recursive: true });
  const config = loadConfig({ cwd: root, env: {} });
  {
    const store = await Store.open(config);
    const embedder = await Embedder.load(config.modelDir, config.modelDtype);
    const policy = await PolicyEngine.load(config.policyDir);
    await ingestAll({ corporaDir: config.corporaDir, store, embedder, knownClasses: new Set(policy.classes.map((c) => c.id)), directory: policy });
    await embedder.dispose();
    store.close();
  }
  const server = await startServeProcess({
    CLEARANCE_HOME: config.home,
    CLEARANCE_POLICY_DIR: config.policyDir,
    CLEARANCE_MODEL_DIR: config.modelDir,
    CLEARANCE_LOG_LEVEL: 'warn',
  });
  const pid = server.child.pid!;
  const key = await loadOrCreateSigningKey(config.keysDir);
  const rows = [];
  const errorSamples = new Set<string>();
  let attack: Row[] = [];
  try {
    const phases = [{ name: `load: ${opts.clients} clients × ${opts.seconds} s`, clients: opts.clients, seconds: opts.seconds }];
    if (opts.soakMinutes > 0)
      phases.push({ name: `soak: ${opts.soakClients} clients × ${opts.soakMinutes} min`, clients: opts.soakClients, seconds: opts.soakMinutes * 60 });
    for (const phase of phases) {
      const latencies: number[] = [];
      const counts: Record<Outcome, number> = { answered: 0, refused: 0, 'protocol-error': 0 };
      let leaks = 0;
      const rss: number[] = [rssMbOf(pid)];
      const sampler = setInterval(() => rss.push(rssMbOf(pid)), 5_000);
      const deadline = performance.now() + phase.seconds * 1000;
      await Promise.all(
        Array.from({ length: phase.clients }, async (_, c) => {
          const [human, agent] = PEOPLE[c % PEOPLE.length]!;
          const { token } = await mintGrant(key, config, { human, agent, purpose: 'load test', scope: {}, ttlSeconds: 3600 });
          const client = new Client({ name: `load-${c}`, version: '1' });
          try {
            await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }), {
              timeout: 60_000,
            });
          } catch (err) {
            counts['protocol-error']++;
            if (errorSamples.size < 5) errorSamples.add(`connect: ${(err as Error).message.slice(0, 160)}`);
            return;
          }
          const calls: [string, Record<string, unknown>][] = [
            ['search', { query: 'INC-2041 checkout latency root cause', k: 5 }],
            ['search', { query: 'breakglass rota amber seven payments database', k: 5 }],
            ['search', { query: 'halvorsen terminal cutover VIP key rotation', k: 5 }],
            ['fetch', { id: 'runbooks/prod-database.md' }],
            ['fetch', { id: 'customer-tickets/T-5112' }],
            ['search', { query: 'assessor ledger cobalt requirement 3 evidence', k: 5 }],
            ['list_sources', {}],
            ['check_release', { destination_class: 'public', draft: 'INC-2041 summary' }],
          ];
          for (let i = c; performance.now() < deadline; i++) {
            const [name, args] = calls[i % calls.length]!;
            const t = performance.now();
            const { outcome, text } = await callOnce(client, name, args);
            latencies.push(performance.now() - t);
            counts[outcome]++;
            if (outcome === 'protocol-error' && errorSamples.size < 5) errorSamples.add(`${name}: ${text.slice(0, 160)}`);
            for (const [phrase, readers] of Object.entries(CANARIES)) if (!readers.includes(human) && text.toLowerCase().includes(phrase)) leaks++;
          }
          await client.close().catch(() => undefined);
        }),
      );
      clearInterval(sampler);
      rss.push(rssMbOf(pid));
      const third = Math.max(1, Math.floor(rss.length / 3));
      const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / xs.length, 0);
      const calls = counts.answered + counts.refused + counts['protocol-error'];
      rows.push({
        phase: phase.name,
        calls,
        'calls/s': round(calls / phase.seconds, 1),
        answered: counts.answered,
        refused: counts.refused,
        'protocol errors': counts['protocol-error'],
        leaks,
        'p50 ms': round(percentile(latencies, 50), 0),
        'p95 ms': round(percentile(latencies, 95), 0),
        'p99 ms': round(percentile(latencies, 99), 0),
        'RSS MB first/last third': `${mean(rss.slice(0, third))} / ${mean(rss.slice(-third))}`,
        'RSS MB max': Math.max(...rss),
      });
    }
    attack = await sessionAttack(server.url, pid, key, config);
  } finally {
    server.child.kill('SIGTERM');
  }
  report('load', 'Load and soak: SDK clients over Streamable HTTP on 127.0.0.1 against `clearance serve --http`', rows, [
    'Each client is one task grant for a SCENARIO.md pair and cycles through permitted calls, searches for canary phrases it may not see, fetches of forbidden documents, list_sources and check_release.',
    "refused = a well-formed refusal (isError result or the server's JSON-RPC error); protocol errors = anything else (transport failure, timeout, unknown session).",
    ...[...errorSamples].map((e) => `error: ${e}`),
  ]);
  report('load-session-attack', 'Session attack: raw `initialize` requests that never close, against the same server', attack, [
    `Sessions per grant are capped by quotas.sessionsPerGrant (default 8); the rest are refused with 429. Sessions idle for quotas.sessionIdleSeconds are closed.`,
  ]);
  const failed = rows.some((r) => r['protocol errors'] > 0 || r.leaks > 0);
  process.exit(failed ? 1 : 0);
}

new Command('load')
  .description('load and soak test on 127.0.0.1 (not in CI)')
  .option('--clients <n>', 'concurrent clients in the load phase', (v) => Number(v), 200)
  .option('--seconds <n>', 'load phase duration', (v) => Number(v), 60)
  .option('--soak-minutes <n>', 'then a soak phase of this many minutes (0: none)', (v) => Number(v), 0)
  .option('--soak-clients <n>', 'concurrent clients in the soak phase', (v) => Number(v), 16)
  .action(main)
  .parseAsync(process.argv)
  .catch((err: Error) => {
    process.stderr.write(`load failed: ${err.message}\n`);
    process.exit(1);
  });
