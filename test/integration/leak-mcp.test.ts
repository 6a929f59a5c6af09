import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { Embedder } from '../../src/embed/embedder.js';
import { Governance } from '../../src/governance/governance.js';
import { ingestAll } from '../../src/ingest/ingest.js';
import { createHttpApp, listen, mcpPath } from '../../src/mcp/http.js';
import { openServer } from '../../src/app/server.js';
import { CLI, cliEnv } from '../helpers/cli.js';
import {
  A,
  C,
  H,
  METHODS,
  oracleMethods,
  oraclePermits,
  oracleReachesSource,
  S,
  subset,
  worldArb,
  writePolicy,
  type Asker,
  type World,
} from '../helpers/oracle-world.js';
import { grantFor } from '../helpers/world.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { TestClient } from '../helpers/mcp-client.js';

/**
 * Invariant 1 through the real MCP server: SDK clients over Streamable HTTP (most sessions) and stdio
 * (one spawned server per world), every tool, generated worlds ingested from real files with the
 * real model, approvals and kill switches in the real governance tables. The oracle
 * (test/helpers/oracle-world.ts) decides what each session may see; any canary, title, document id
 * or source id of something it forbids, anywhere in any answer, is a leak.
 */
const CASES = Number(process.env.LEAK_MCP_CASES ?? 2000);
const SESSIONS_PER_WORLD = 16;
// Up to 7 checked calls per session; some are skipped when a world has nothing of that kind (no
// forbidden document, no unreachable source), so plan worlds on 5.
const CALLS_PER_SESSION = 5;
const WORLDS = Math.ceil(CASES / (SESSIONS_PER_WORLD * CALLS_PER_SESSION));

const mostlyUnset = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arb, weight: 1 });

const sessionArb = fc.record({
  human: fc.constantFrom(...H, 'h4'),
  agent: fc.constantFrom(...A),
  // Most tasks unscoped, so that most sessions can read something and the leak checks bite.
  scopeClasses: mostlyUnset(subset(C, 1)),
  scopeSources: mostlyUnset(subset(S, 1)),
  scopeMethods: mostlyUnset(subset(METHODS, 1)),
  approvals: fc.array(fc.record({ cls: fc.constantFrom(...C), sameTask: fc.boolean(), expired: fc.constant(false) }), { maxLength: 2 }),
  killed: fc.boolean().map((b) => b && Math.random() < 0.2),
  k: fc.integer({ min: 1, max: 10 }),
  pick: fc.nat(),
});

interface Doc {
  index: number;
  source: number;
  acl: string[];
  docId: string;
  title: string;
  canary: string;
}

/** A world as real corpus folders: one per source, short documents each with a unique canary and title. */
function writeCorpus(world: World, corporaDir: string, nonce: string): Doc[] {
  const docs: Doc[] = [];
  S.forEach((source, si) => {
    const dir = path.join(corporaDir, source);
    mkdirSync(dir, { recursive: true });
    const src = world.sources[si]!;
    writeFileSync(
      path.join(dir, 'corpus.yaml'),
      `id: ${source}\ntitle: Source ${source}\ndata_class: ${src.cls}\nowner: user:h0\nread_acl: [${src.acl.map((p) => JSON.stringify(p)).join(', ')}]\nfreshness: { max_age_days: 3650 }\ninclude: ["**/*.md"]\n`,
    );
  });
  world.docs.forEach((doc, i) => {
    const si = S.indexOf(doc.source);
    const canary = `zq${nonce}d${i}q`; // terminated: d1 must not match inside d11
    const title = `Ledger zt${nonce}d${i}t`;
    const front = [`title: "${title}"`, 'updated: 2026-11-01', ...(doc.narrow ? [`read_acl: [${doc.narrow.map((p) => JSON.stringify(p)).join(', ')}]`] : [])];
    writeFileSync(
      path.join(corporaDir, doc.source, `d${i}.md`),
      `---\n${front.join('\n')}\n---\n# ${title}\n\nQuarterly checkout latency notes. The marker ${canary} belongs to this document only. Topic ${i % 3 === 0 ? 'database failover' : i % 3 === 1 ? 'key rotation' : 'refund workflow'}.\n`,
    );
    docs.push({ index: i, source: si, acl: doc.narrow ?? world.sources[si]!.acl, docId: `${doc.source}/d${i}.md`, title, canary });
  });
  return docs;
}

type Answer = { refused: boolean; text: string; structured: Record<string, unknown> | undefined };

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Answer> {
  try {
    const result = (await client.callTool({ name, arguments: { reason: 'leak property', ...args } })) as {
      isError?: boolean;
      structuredContent?: Record<string, unknown>;
      content: unknown;
    };
    return { refused: false, text: JSON.stringify(result), structured: result.structuredContent };
  } catch (err) {
    // A refusal is the server's JSON-RPC answer; a timeout or a broken transport is a test failure, never a "refusal".
    if (!(err instanceof McpError) || err.code === ErrorCode.RequestTimeout || err.code === ErrorCode.ConnectionClosed) throw err;
    return { refused: true, text: (err as Error).message, structured: undefined };
  }
}

describe(`leaks through the MCP transports (${WORLDS} worlds × ${SESSIONS_PER_WORLD} sessions, ≥ ${CASES} checked calls)`, () => {
  it(
    'no tool ever returns or hints at anything the oracle forbids; permitted content is returned in full',
    async () => {
      const embedder = await Embedder.load(loadConfig({ env: {} }).modelDir, 'fp32');
      let checked = 0;
      let sawBoth = 0;
      let worldNo = 0;
      await fc.assert(
        // Vectors belong to the retrieval-level property; here the real model embeds real text.
        fc.asyncProperty(
          worldArb.map((w) => ({ ...w, docs: w.docs.map((d) => ({ ...d, vectors: [] })) })),
          fc.array(sessionArb, { minLength: SESSIONS_PER_WORLD, maxLength: SESSIONS_PER_WORLD }),
          async (world, sessions) => {
            const nonce = `${worldNo++}x${Math.random().toString(36).slice(2, 6)}`;
            const root = mkdtempSync(path.join(tmpdir(), 'clearance-leak-mcp-'));
            const config = {
              ...loadConfig({ cwd: root, env: {} }),
              policyDir: path.join(root, 'policy'),
              corporaDir: path.join(root, 'corpora'),
              auditShipSeconds: 0,
              logLevel: 'warn' as const,
            };
            writePolicy(world, config.policyDir);
            if (process.env.LEAK_MCP_DUMP) writeFileSync(path.join(process.env.LEAK_MCP_DUMP, `${nonce}.json`), JSON.stringify({ world, root }, null, 1));
            const docs = writeCorpus(world, config.corporaDir, nonce);
            const runtime = await openServer(config);
            const report = await ingestAll({
              corporaDir: config.corporaDir,
              store: runtime.app.store,
              embedder,
              knownClasses: new Set(C),
              directory: runtime.app.policy(),
            });
            expect(
              report.sources.filter((s) => s.error),
              'generated corpus ingests',
            ).toEqual([]);
            // Documents whose ACL would widen their source's are refused at ingest (reported skips): absent,
            // so never permitted; their canaries stay on the forbidden list.
            const skipped = new Set(report.sources.flatMap((s) => s.skipped.map((k) => `${s.source}/${k.path}`)));
            const present = (d: Doc) => !skipped.has(d.docId);
            const chunkCount = new Map<string, number>();
            const rows = await (await runtime.app.store.chunks()).raw.query().select(['doc_id']).toArray();
            for (const r of rows) chunkCount.set(String(r.doc_id), (chunkCount.get(String(r.doc_id)) ?? 0) + 1);
            const http = createHttpApp(config, runtime, runtime.verifier, 'http://127.0.0.1');
            const server = await listen(http.app, '127.0.0.1', 0);
            const address = server.address();
            const url = new URL(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${mcpPath(config.resource)}`);
            const governance = await Governance.open(runtime.app.store);
            try {
              for (const [n, spec] of sessions.entries()) {
                const asker: Asker = {
                  human: spec.human,
                  agent: spec.agent,
                  scopeClasses: spec.scopeClasses,
                  scopeSources: spec.scopeSources,
                  approvals: spec.approvals,
                };
                const { token, grant } = await grantFor(config, spec.human, spec.agent, {
                  classes: spec.scopeClasses,
                  sources: spec.scopeSources,
                  methods: spec.scopeMethods,
                });
                for (const a of spec.approvals) {
                  const identity = {
                    human: spec.human,
                    agent: spec.agent,
                    taskId: a.sameTask ? grant.taskId : `other-${grant.taskId}`,
                    purpose: 'p',
                    runId: 'r',
                    transport: 'test' as const,
                    scope: {},
                    grantExpiresAt: grant.expiresAt.toISOString(),
                  };
                  const request = await governance.requestAccess(identity, { kind: 'class', id: a.cls }, 'generated', config.quotas);
                  await governance.approve(request.id, { human: spec.human === 'h4' ? 'h3' : 'h4', auth: 'test' }, 3600, () => true);
                }
                if (spec.killed) {
                  await governance.kill('task', grant.taskId, 'generated kill', { human: 'h4', auth: 'test' });
                  await runtime.watcher.refresh();
                }
                const permitted = docs.filter((d) => present(d) && oraclePermits(world, asker, d));
                const forbidden = docs.filter((d) => !permitted.includes(d));
                const reachable = new Set(S.filter((_, si) => oracleReachesSource(world, asker, si, { needApproval: false })));
                const methods = spec.killed ? [] : oracleMethods(world, spec.agent, spec.scopeMethods);
                if (permitted.length > 0 && forbidden.length > 0) sawBoth++;

                const stdio = n === 0;
                const client = new TestClient({ name: 'leak-mcp', version: '1' });
                await client.connect(
                  stdio
                    ? new StdioClientTransport({
                        command: process.execPath,
                        args: [CLI, 'serve', '--stdio'],
                        env: cliEnv(config, {
                          CLEARANCE_TASK_TOKEN: token,
                          CLEARANCE_STORE_URI: config.storeUri,
                          CLEARANCE_AUDIT_DIR: config.auditDir,
                          CLEARANCE_KEYS_DIR: config.keysDir,
                        }) as Record<string, string>,
                        stderr: 'ignore',
                      })
                    : new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
                );
                const where = `world ${nonce}, session ${n} (${stdio ? 'stdio' : 'http'}) ${JSON.stringify(spec)}`;
                const leakCheck = (name: string, answer: Answer, args: Record<string, unknown>) => {
                  checked++;
                  // What the caller already knows: its own arguments and its own grant's scope.
                  const asked = JSON.stringify([args, spec.scopeSources ?? []]);
                  for (const d of forbidden) {
                    for (const token of [d.canary, d.title, d.docId]) {
                      if (!asked.includes(token)) expect(answer.text.includes(token), `${name} leaked ${token} in ${where}`).toBe(false);
                    }
                  }
                  for (const source of S.filter((s) => !reachable.has(s))) {
                    if (!asked.includes(source)) expect(answer.text.includes(source), `${name} named unreachable ${source} in ${where}`).toBe(false);
                  }
                  if (!methods.includes(name)) expect(answer.refused, `${name} must be refused in ${where}`).toBe(true);
                };
                const target = permitted[spec.pick % Math.max(1, permitted.length)];
                const hidden = forbidden[spec.pick % Math.max(1, forbidden.length)];

                // search: only permitted documents, and as many as k allows.
                const searchArgs = { query: `checkout latency marker ${(hidden ?? target)?.canary ?? ''} ${target?.canary ?? ''}`, k: spec.k };
                const found = await call(client, 'search', searchArgs);
                leakCheck('search', found, searchArgs);
                if (!found.refused) {
                  const results = (found.structured as { results: { citation: { doc_id: string } }[] }).results;
                  for (const r of results)
                    expect(
                      permitted.some((d) => d.docId === r.citation.doc_id),
                      `search returned ${r.citation.doc_id} in ${where}`,
                    ).toBe(true);
                  const permittedChunks = permitted.reduce((n, d) => n + (chunkCount.get(d.docId) ?? 0), 0);
                  expect(results.length, `search count in ${where}`).toBe(Math.min(spec.k, permittedChunks));
                }

                // fetch: a forbidden id answers exactly like a missing one.
                if (hidden) {
                  const args = { id: hidden.docId };
                  const forbiddenAnswer = await call(client, 'fetch', args);
                  leakCheck('fetch', forbiddenAnswer, args);
                  const missing = await call(client, 'fetch', { id: `${hidden.docId}-missing` });
                  expect(forbiddenAnswer.text.replaceAll(hidden.docId, 'ID'), `fetch forbidden vs missing in ${where}`).toBe(
                    missing.text.replaceAll(`${hidden.docId}-missing`, 'ID'),
                  );
                }
                if (target) {
                  const args = { id: target.docId };
                  const fetched = await call(client, 'fetch', args);
                  leakCheck('fetch', fetched, args);
                  if (!fetched.refused) expect(fetched.structured?.found, `fetch of permitted ${target.docId} in ${where}`).toBe(true);
                }

                const listed = await call(client, 'list_sources', {});
                leakCheck('list_sources', listed, {});
                if (!listed.refused) {
                  for (const s of (listed.structured as { sources: { source: string }[] }).sources)
                    expect(reachable.has(s.source), `list_sources showed ${s.source} in ${where}`).toBe(true);
                }

                const info = await call(client, 'session_info', {});
                leakCheck('session_info', info, {});

                // request_access: an unreachable source and a non-existent one look the same.
                const unreachable = S.find((s) => !reachable.has(s));
                if (unreachable) {
                  const args = { source: unreachable };
                  const asked = await call(client, 'request_access', args);
                  leakCheck('request_access', asked, args);
                  const ghost = await call(client, 'request_access', { source: 'src-ghost' });
                  const shape = (a: Answer) =>
                    a.text
                      .replaceAll(unreachable, 'SRC')
                      .replaceAll('src-ghost', 'SRC')
                      .replace(/apr_[0-9a-f]+/g, 'ID');
                  expect(shape(asked), `request_access existing vs ghost in ${where}`).toBe(shape(ghost));
                }

                const releaseArgs = { draft: `Summary mentioning ${hidden?.canary ?? 'nothing'}.`, destination_class: C[spec.pick % C.length] };
                const release = await call(client, 'check_release', releaseArgs);
                leakCheck('check_release', release, releaseArgs);
                await client.close();
              }
            } finally {
              await http.closeAll('world done');
              server.close();
              await runtime.close();
            }
          },
        ),
        { numRuns: WORLDS, endOnFailure: true },
      );
      await embedder.dispose();
      expect(checked).toBeGreaterThanOrEqual(CASES);
      // Not vacuous: a good share of sessions could read some documents and not others.
      process.stdout.write(
        `leak-mcp: ${checked} checked calls, ${sawBoth} of ${WORLDS * SESSIONS_PER_WORLD} sessions had both permitted and forbidden documents\n`,
      );
      expect(sawBoth).toBeGreaterThan(WORLDS * SESSIONS_PER_WORLD * 0.15);
    },
    Math.max(1_800_000, WORLDS * 30_000),
  );
});
