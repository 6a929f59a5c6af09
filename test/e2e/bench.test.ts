import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAuditBench } from '../../scripts/bench/audit.js';
import { runFormatsBench } from '../../scripts/bench/formats.js';
import { runIngestScaleBench } from '../../scripts/bench/ingest-scale.js';
import { runIngestBench } from '../../scripts/bench/ingest.js';
import { runKillSwitchBench } from '../../scripts/bench/killswitch.js';
import { runMcpHttpBench } from '../../scripts/bench/mcp-http.js';
import { runQualityMcpBench } from '../../scripts/bench/quality-mcp.js';
import { ndcgAt, runQualityBench } from '../../scripts/bench/quality.js';
import { runScaleOutBench } from '../../scripts/bench/scaleout.js';
import { runRetrievalBench } from '../../scripts/bench/retrieval.js';
import { runRevocationBench } from '../../scripts/bench/revocation.js';

/** A small BEIR-layout folder (8 topics × 3 documents, 8 queries, test qrels). */
function tinyBeir(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'clearance-beir-'));
  mkdirSync(path.join(folder, 'qrels'));
  const topics = [
    'checkout latency after a config push',
    'API keys written to logs',
    'goodwill refunds for merchants',
    'webhook delivery delays',
    'PCI audit evidence',
    'data subject erasure requests',
    'canary gates on p95 latency',
    'vendor contract renewal',
  ];
  const docs = topics.flatMap((t, i) =>
    [0, 1, 2].map((j) => ({ _id: `d${i}-${j}`, title: `${t} ${j}`, text: `A note about ${t}. Detail number ${j} with specifics on ${t.split(' ')[0]}.` })),
  );
  writeFileSync(path.join(folder, 'corpus.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n'));
  writeFileSync(path.join(folder, 'queries.jsonl'), topics.map((t, i) => JSON.stringify({ _id: `q${i}`, text: `what do we know about ${t}?` })).join('\n'));
  writeFileSync(
    path.join(folder, 'qrels', 'test.tsv'),
    `query-id\tcorpus-id\tscore\r\n${topics.map((_, i) => `q${i}\td${i}-0\t1\r\nq${i}\td${i}-1\t1`).join('\r\n')}\r\n`,
  );
  return folder;
}

// Every benchmark at a reduced size: tables are produced and the properties hold. No timing is asserted.
// Each benchmark runs for a fixed work size or a fixed time window, so a busy machine makes it slower
// (or do fewer calls), never wrong: the time limit is a generous safety net.
const BENCH_TIMEOUT_MS = 1_800_000;
describe('benchmarks (reduced sizes)', () => {
  it(
    'retrieval: filtered recall ≥ 0.99 at every selectivity, and the policy-cost rows',
    async () => {
      const rows = await runRetrievalBench({ quick: true, rows: 3000 });
      const searches = rows.filter((r) => typeof r.rows === 'number');
      expect(searches.map((r) => r.selectivity)).toEqual(['1 %', '10 %', '50 %']);
      for (const r of searches) expect(Number(r['recall@10 aware'])).toBeGreaterThanOrEqual(0.99);
      expect(rows.filter((r) => String(r.rows).startsWith('policy'))).toHaveLength(3);
    },
    BENCH_TIMEOUT_MS,
  );

  it(
    'quality on a small BEIR-layout folder: dense equals exact, per-human equals the oracle, nothing leaks',
    async () => {
      const folder = tinyBeir();
      const rows = await runQualityBench({ quick: false, dataset: folder, split: 'test' });
      const get = (mode: string, retrieval: string) => rows.find((r) => r.mode === mode && r.retrieval === retrieval)!;
      expect(
        Math.abs(Number(get('one-chunk', 'dense via Clearance')['nDCG@10']) - Number(get('one-chunk', 'exact dense (brute force, same vectors)')['nDCG@10'])),
      ).toBeLessThanOrEqual(0.005);
      const perHuman = rows.filter((r) => r.mode === 'one-chunk, per human');
      expect(perHuman).toHaveLength(3);
      for (const r of perHuman) {
        expect(String(r['recall@100'])).toMatch(/leaked 0$/);
        expect(String(r['recall@100'])).toContain(`oracle nDCG@10 ${r['nDCG@10']}`);
      }
      expect(ndcgAt(['a', 'b'], new Map([['b', 1]]))).toBeCloseTo(1 / Math.log2(3), 6);
    },
    BENCH_TIMEOUT_MS,
  );

  it(
    'quality through MCP (clearance serve --stdio) on a small BEIR-layout folder: the table is produced, nothing leaks',
    async () => {
      const rows = await runQualityMcpBench({ quick: false, dataset: tinyBeir(), split: 'test' });
      expect(rows.map((r) => r.retrieval)).toEqual([
        'dense',
        'full-text',
        'hybrid (default)',
        'hybrid, chunk answers',
        'hybrid as alice',
        'hybrid as bob',
        'hybrid as gina',
      ]);
      for (const r of rows.slice(0, 3)) expect(Number(r['nDCG@10 (k=10)'])).toBeGreaterThan(0);
      for (const r of rows.slice(-3)) expect(r.leaked).toBe(0);
    },
    BENCH_TIMEOUT_MS,
  );

  it(
    'ingest, kill switch, audit and MCP-over-HTTP produce their tables',
    async () => {
      expect((await runIngestBench({ quick: true })).map((r) => r.dtype)).toEqual(['fp32', 'q8']);
      expect(await runKillSwitchBench({ quick: true })).toHaveLength(1);
      expect((await runAuditBench({ quick: true, seconds: 1 })).length).toBe(12);
      const http = await runMcpHttpBench({ quick: true, seconds: 1 });
      expect(http.map((r) => r.clients)).toEqual([1, 8, 32]);
      for (const r of http) expect(r.errors).toBe(0);
    },
    BENCH_TIMEOUT_MS,
  );

  it(
    'formats and ingest at scale: a row per format; a SIGKILLed ingest resumes and a third run embeds nothing',
    async () => {
      const formats = await runFormatsBench({ quick: true, files: 2 });
      expect(formats.map((r) => r.format)).toEqual(['markdown', 'pdf', 'docx', 'pptx', 'xlsx', 'csv', 'eml', 'mbox']);
      // 3 files per format (51 documents): the bench itself throws unless the store ends with each exactly once.
      const scale = await runIngestScaleBench({ quick: true, documents: 51 });
      expect(scale.map((r) => r.exit)).toEqual(['SIGKILL', 0, 0]);
      expect(scale[2]!['documents embedded']).toBe(0);
      // Resumed, not restarted: the re-run embeds only what the killed run had not committed.
      expect(Number(scale[1]!['documents embedded'])).toBeLessThan(51);
      expect(Number(scale[0]!['documents embedded']) + Number(scale[1]!['documents embedded'])).toBeGreaterThanOrEqual(51);
    },
    BENCH_TIMEOUT_MS,
  );

  it(
    'scale-out: local vs S3-compatible search, reader freshness, 1 vs 2 replicas',
    async () => {
      const rows = await runScaleOutBench({ quick: true, seconds: 1 });
      expect(rows).toHaveLength(5);
      for (const r of rows.slice(-2)) {
        expect(r.errors).toBe(0);
        expect(Number(r['calls/s'])).toBeGreaterThan(0);
      }
    },
    BENCH_TIMEOUT_MS,
  );

  it(
    'revocation: every kind of change on one process and two replicas ends each trial in a refusal on every server',
    async () => {
      const rows = await runRevocationBench({ quick: true, trials: 2 });
      expect(rows.map((r) => [r.setup, r.change])).toEqual(
        ['1 process, local folder', '2 replicas, S3-compatible'].flatMap((setup) =>
          [
            'baseline: task killed (clearance kill)',
            'person removed from a group (policy apply)',
            'document ACL narrowed (re-ingest)',
            "agent's method removed (policy apply)",
          ].map((change) => [setup, change]),
        ),
      );
      for (const r of rows) {
        expect(r.trials).toBe(2);
        expect(r.refused).toBe(r.setup === '1 process, local folder' ? '2/2' : '4/4');
        for (const column of ['p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'p99 / baseline']) expect(Number.isFinite(Number(r[column])), column).toBe(true);
      }
    },
    BENCH_TIMEOUT_MS,
  );
});
