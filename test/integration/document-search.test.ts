import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditRecords } from '../../src/audit/reader.js';
import type { ServerRuntime } from '../../src/app/server.js';
import { connectAgent, sampleRuntime, tempWorld } from '../helpers/world.js';

/**
 * Issue 19 item 1: `search` answers with distinct documents by default (the best passage of each,
 * the document's other matching passages as extra spans), every passage with its own chunk
 * provenance, every returned chunk in the audit record and the task's taint set; `granularity:
 * "chunk"` keeps the chunk-level answer.
 */

const DOCS = 14;
const section = (d: number, s: number) =>
  `## Canary rollout stage ${s}\n\n` +
  Array.from(
    { length: 9 },
    (_, i) =>
      `Canary rollout note ${d}.${s}.${i}: the latency gate holds the deploy while p95 latency on checkout stays above budget, and the rollout pauses for review by service ${d}.`,
  ).join(' ') +
  '\n';

let runtime: ServerRuntime;
beforeAll(async () => {
  const config = tempWorld();
  const dir = path.join(config.corporaDir, 'rollout-notes');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'corpus.yaml'),
    'id: rollout-notes\ntitle: Rollout notes\ndata_class: public\nowner: user:alice\nread_acl: ["*"]\nfreshness: { max_age_days: 730 }\ninclude: ["*.md"]\n',
  );
  for (let d = 0; d < DOCS; d++)
    writeFileSync(path.join(dir, `service-${d}.md`), `# Service ${d} canary rollout\n\n${[0, 1, 2].map((s) => section(d, s)).join('\n')}`);
  runtime = await sampleRuntime(config);
});
afterAll(async () => runtime?.close());

interface Citation {
  source: string;
  doc_id: string;
  doc_version: string;
  ordinal: number;
  span: number[];
  chunk_hash: string;
}
interface Result {
  result_id: string;
  citation: Citation;
  score: number;
  more_passages?: { result_id: string; citation: Citation; score: number; text: string }[];
}

describe('search: distinct documents through MCP', () => {
  it('k=10 gives 10 different documents, every passage with its chunk provenance, all of them audited and tainted', async () => {
    const agent = await connectAgent(runtime, 'alice', 'claude-code');
    const answer = await agent.call('search', { query: 'canary rollout latency gate', k: 10, sources: ['rollout-notes'] });
    const results = (answer.structuredContent as { results: Result[]; count: number }).results;
    expect(results).toHaveLength(10);
    expect(new Set(results.map((r) => r.citation.doc_id)).size).toBe(10);
    const passages = results.flatMap((r) => [r, ...(r.more_passages ?? [])]);
    expect(results.some((r) => (r.more_passages ?? []).length > 0)).toBe(true);
    for (const r of results) for (const m of r.more_passages ?? []) expect(m.citation.doc_id).toBe(r.citation.doc_id);
    for (const p of passages) {
      expect(p.citation.chunk_hash).toMatch(/^[0-9a-f]{16,}$/);
      expect(p.citation.span[1]).toBeGreaterThan(p.citation.span[0]!);
      expect(p.citation.ordinal).toBeGreaterThanOrEqual(0);
    }
    // Scores are the documents' scores, best first.
    const scores = results.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    // _meta labels, the audit record and the taint set list every chunk returned, extra passages included.
    const hashes = passages.map((p) => p.citation.chunk_hash).sort();
    const meta = (answer as { _meta?: Record<string, { chunk_hash: string }[]> })._meta!['clearance/labels']!;
    expect(meta.map((l) => l.chunk_hash).sort()).toEqual(hashes);
    await agent.close();
    const call = (await readAuditRecords(runtime.app.config.auditDir)).filter((r) => r.kind === 'call' && r.run_id === agent.runId && r.method === 'search');
    expect(call).toHaveLength(1);
    const recorded = (call[0] as { chunks: Citation[] }).chunks;
    // Where the call's time went, for the auditor: every step of the pipeline and the search's own split.
    const timings = (call[0] as { timings: Record<string, number> }).timings;
    for (const step of ['killSwitchMs', 'gateMs', 'toolMs', 'receivedMs', 'embedMs', 'storeMs']) expect(timings[step]).toBeGreaterThanOrEqual(0);
    expect(timings.toolMs).toBeGreaterThanOrEqual(timings.storeMs!);
    expect(recorded.map((c) => c.chunk_hash).sort()).toEqual(hashes);
    for (const p of passages) expect(recorded).toContainEqual(expect.objectContaining(p.citation));
    const taint = await runtime.app.taint.ofTask(agent.grant.taskId);
    for (const h of hashes) expect(taint.chunks.map((c) => c.chunk_hash)).toContain(h);
  });

  it('granularity "chunk" keeps the chunk-level answer: k chunks, several from one document, no extra passages', async () => {
    const agent = await connectAgent(runtime, 'alice', 'claude-code');
    const args = { query: 'canary rollout latency gate', k: 10, sources: ['rollout-notes'] };
    const chunks = ((await agent.call('search', { ...args, granularity: 'chunk' })).structuredContent as { results: Result[] }).results;
    expect(chunks).toHaveLength(10);
    expect(new Set(chunks.map((r) => r.result_id)).size).toBe(10);
    expect(new Set(chunks.map((r) => r.citation.doc_id)).size).toBeLessThan(10);
    for (const r of chunks) expect(r.more_passages).toBeUndefined();
    const scores = chunks.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    await agent.close();
  });
});
