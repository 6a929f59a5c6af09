import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFormatsBench } from '../../scripts/bench/formats.js';
import { runIngestScaleBench } from '../../scripts/bench/ingest-scale.js';
import { runQualityMcpBench } from '../../scripts/bench/quality-mcp.js';
import { runRankingSweep } from '../../scripts/bench/ranking-sweep.js';
import { ndcgAt, runQualityBench } from '../../scripts/bench/quality.js';
import { runRetrievalBench } from '../../scripts/bench/retrieval.js';
import { runScaleOutBench } from '../../scripts/bench/scaleout.js';
import { BENCH_TIMEOUT_MS, tinyBeir } from '../helpers/bench.js';

// Reduced-size runs of the benchmarks (test/helpers/bench.ts says what they check).
describe('benchmarks (reduced sizes)', () => {
  it(
    'retrieval through the vector index: recall ≥ 0.99 filtered at every selectivity and unfiltered, and the policy-cost rows',
    async () => {
      // Above VECTOR_INDEX_MIN_ROWS, so the searches go through the index the product builds.
      const rows = await runRetrievalBench({ quick: true, rows: 6000, servingCalls: 5 });
      const searches = rows.filter((r) => typeof r.rows === 'number');
      expect(searches.map((r) => r.selectivity)).toEqual(['1 %', '10 %', '50 %']);
      for (const r of searches) {
        expect(Number(r['recall@10 aware'])).toBeGreaterThanOrEqual(0.99);
        expect(Number(r['recall@10 unfiltered'])).toBeGreaterThanOrEqual(0.99);
      }
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
    'quality through MCP (clearance serve --stdio) on a small BEIR-layout folder: the table is produced, nothing leaks; the ranking sweep over its store reproduces the MCP figure',
    async () => {
      const dataset = tinyBeir();
      const cacheDir = mkdtempSync(path.join(tmpdir(), 'clearance-bench-quality-mcp-'));
      const rows = await runQualityMcpBench({ quick: false, dataset, split: 'test', cacheDir });
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

      // The sweep tunes on a train split only: the same judgements under that name.
      copyFileSync(path.join(dataset, 'qrels/test.tsv'), path.join(dataset, 'qrels/train.tsv'));
      const sweep = await runRankingSweep({ dataset, split: 'train', store: path.join(cacheDir, 'home', 'store') });
      const byMcp = (name: string) => Number(rows.find((r) => r.retrieval === name)!['nDCG@10 (k=10)']);
      expect(Number(sweep.find((r) => r.default === 'yes')!['nDCG@10'])).toBeCloseTo(byMcp('hybrid (default)'), 3);
      expect(Number(sweep.find((r) => String(r.setting).startsWith('dense only'))!['nDCG@10'])).toBeCloseTo(byMcp('dense'), 3);
      await expect(runRankingSweep({ dataset, split: 'test', store: path.join(cacheDir, 'home', 'store') })).rejects.toThrow(/train split only/);
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
});
