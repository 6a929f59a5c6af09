import { contextFor } from '../../src/gate/gate.js';
import { decideChunk } from '../../src/policy/decide.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { search } from '../../src/retrieval/search.js';
import { SourceCatalog } from '../../src/retrieval/source-catalog.js';
import { nearestChunks } from '../../src/store/chunk-search.js';
import { describeVectorIndex, vectorIndexPlan } from '../../src/store/vector-index.js';
import { percentile, report, round, rssMb, type Row } from './report.js';
import { servingMemory } from './serving-rss.js';
import { benchIdentity, CLASSES, exactTop, policyDir, SELECTIVITY, synthetic, syntheticStore } from './synthetic.js';

export async function runRetrievalBench(opts: { quick: boolean; rows?: number; servingCalls?: number }): Promise<Row[]> {
  const rows = opts.rows ?? (opts.quick ? 100_000 : 1_000_000);
  const data = synthetic(rows);
  const { store, dir, buildSeconds } = await syntheticStore(data);
  const table = await store.chunks();
  const policyFolder = await policyDir();
  const policy = await PolicyEngine.load(policyFolder);
  const sources = new SourceCatalog(store);
  const k = 10;
  const ann = vectorIndexPlan(rows).query;
  const exactTopK = (q: Float32Array, allowed: Set<string> | null) => exactTop(data, q, allowed, k);
  const out: Row[] = [];
  // Warm-up: one pass of every query, unfiltered and at each selectivity, so no row pays for loading the index's partitions.
  for (const q of data.queries) {
    await nearestChunks(table, 'unfiltered', { vector: q, ann }, k);
    for (const [, classes] of SELECTIVITY)
      await search({ store, embedder: { embedOne: async () => q }, sources }, contextFor(policy, benchIdentity(classes), []), {
        query: 'q',
        k,
        mode: 'vector',
      });
  }
  // The exact unfiltered answers do not depend on the selectivity: computed once (a full scan per query at 1M).
  const exactUnfiltered = data.queries.map((q) => exactTopK(q, null));
  for (const [selectivity, classes] of SELECTIVITY) {
    const allowed = new Set(classes);
    const aware: number[] = [];
    const unfiltered: number[] = [];
    const post: number[] = [];
    const split = { bookkeeping: [] as number[], store: [] as number[], policy: [] as number[] };
    let recallAware = 0;
    let recallPost = 0;
    let recallUnfiltered = 0;
    const overFetch = Math.ceil((k / selectivity) * 2);
    for (const [i, q] of data.queries.entries()) {
      const exact = exactTopK(q, allowed);
      let t = performance.now();
      const result = await search({ store, embedder: { embedOne: async () => q }, sources }, contextFor(policy, benchIdentity(classes), []), {
        query: 'q',
        k,
        mode: 'vector',
      });
      aware.push(performance.now() - t);
      // The embedder answers at once here, so embedMs is what runs beside it: the table version and the source rows.
      split.bookkeeping.push(result.timings.embedMs);
      split.store.push(result.timings.storeMs);
      split.policy.push(result.timings.policyMs);
      recallAware += result.passages.filter((p) => exact.has(p.result_id)).length / k;
      t = performance.now();
      // The same store query and row parsing as search, with no permission filter.
      const plain = await nearestChunks(table, 'unfiltered', { vector: q, ann }, k);
      unfiltered.push(performance.now() - t);
      recallUnfiltered += plain.filter(({ chunk }) => exactUnfiltered[i]!.has(chunk.chunk_id)).length / k;
      t = performance.now();
      // Post-filtering: the same store query, unfiltered and deeper, then the filter applied to what came back.
      const candidates = await nearestChunks(table, 'unfiltered', { vector: q, ann }, overFetch);
      const kept = candidates.filter(({ chunk }) => allowed.has(chunk.data_class)).slice(0, k);
      post.push(performance.now() - t);
      recallPost += kept.filter(({ chunk }) => exact.has(chunk.chunk_id)).length / k;
    }
    const n = data.queries.length;
    const p50 = (xs: number[]) => round(percentile(xs, 50), 1);
    out.push({
      rows,
      selectivity: `${selectivity * 100} %`,
      'recall@10 aware': round(recallAware / n, 3),
      'recall@10 unfiltered': round(recallUnfiltered / n, 3),
      'p50 aware ms': p50(aware),
      'p95 aware ms': round(percentile(aware, 95), 1),
      'p50 unfiltered ms': p50(unfiltered),
      'aware/unfiltered': round(percentile(aware, 50) / percentile(unfiltered, 50)),
      'aware split ms: version+sources / store / re-check': `${p50(split.bookkeeping)} / ${p50(split.store)} / ${round(percentile(split.policy, 50), 2)}`,
      'post-filter k': overFetch,
      'post-filter recall': round(recallPost / n, 3),
      'p50 post-filter ms': p50(post),
    });
  }
  // Casbin cost per request: the authority plus 10 per-chunk re-checks, with 100, 10k and 100k policy lines.
  // Cold = the first request after loading the policy; warm = later requests (decisions are memoised).
  for (const lines of [100, 10_000, 100_000]) {
    const big = await PolicyEngine.load(await policyDir(lines));
    const once = () => {
      const { authority } = contextFor(big, benchIdentity(), []);
      for (let c = 0; c < 10; c++) decideChunk(big, authority, { source: 'synthetic', data_class: CLASSES[c % 4]![0], acl_source: ['*'], acl_doc: ['*'] });
    };
    let t0 = performance.now();
    once();
    const cold = performance.now() - t0;
    const iterations = 2_000;
    t0 = performance.now();
    for (let i = 0; i < iterations; i++) once();
    const warm = (performance.now() - t0) / iterations;
    out.push({
      rows: `policy ${lines} lines`,
      selectivity: '',
      'recall@10 aware': '',
      'recall@10 unfiltered': '',
      'p50 aware ms': `cold ${round(cold, 2)} (${Math.round(1_000 / cold).toLocaleString('en')} requests/s)`,
      'p95 aware ms': `warm ${round(warm, 4)} (${Math.round(1_000 / warm).toLocaleString('en')} requests/s)`,
      'p50 unfiltered ms': '',
      'aware/unfiltered': '',
      'post-filter k': '',
      'post-filter recall': '',
      'p50 post-filter ms': '',
      'aware split ms: version+sources / store / re-check': '',
    });
  }
  store.close();
  const serving = await servingMemory({ storeUri: dir, policyDir: policyFolder, owner: 'reader', agent: 'bench', calls: opts.servingCalls ?? 200 });
  report(
    'retrieval',
    `Permission-aware search on ${rows.toLocaleString('en')} synthetic labelled chunks (${describeVectorIndex(vectorIndexPlan(rows))})`,
    out,
    [
      `index build: ${Number.isNaN(buildSeconds) ? 'cached from an earlier run' : `${round(buildSeconds, 1)} s`}; this process's RSS ${rssMb()} MB (it keeps every vector in memory for exact recall).`,
      `A serving process (clearance serve --stdio over this store, ${serving.calls} MCP searches at default settings): peak RSS ${serving.peakMb} MB (${serving.startedMb} MB after start-up, ${serving.rssMb} MB at the end), p50 ${serving.p50Ms} ms per call.`,
      'Policy rows: milliseconds per request for the authority plus 10 per-chunk Casbin re-checks; a request is every Casbin decision one search needs (cold: the first request, every decision evaluated; warm: memoised).',
      'Goals: recall ≥ 0.99 filtered and unfiltered; aware ≤ 1.2× unfiltered; ≥ 10× faster than post-filtering at 1 % for equal recall; serving RSS ≤ 2 GB.',
    ],
  );
  return out;
}
