import { contextFor } from '../../src/gate/gate.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { nearestChunks } from '../../src/store/chunk-search.js';
import { permissionFilter } from '../../src/store/permission-filter.js';
import type { Predicate } from '../../src/store/predicates.js';
import type { ChunkColumn } from '../../src/store/schema.js';
import { describeAnnQuery, describeVectorIndex, indexConfig, vectorIndexPlan, type AnnQuery, type VectorIndexPlan } from '../../src/store/vector-index.js';
import { percentile, report, round, rssMb, type Row } from './report.js';
import { benchIdentity, exactTop, policyDir, SELECTIVITY, synthetic, syntheticStore } from './synthetic.js';

/** Index types and query settings tried at one table size; the product's own plan is always among them. */
function candidates(rows: number): { plan: VectorIndexPlan; queries: AnnQuery[] }[] {
  const partitions = Math.round(Math.sqrt(rows));
  return [
    {
      plan: { kind: 'ivf_pq', partitions, subVectors: 24 },
      queries: [
        { nprobes: 50, refineFactor: 100 },
        { nprobes: 50, refineFactor: 400 },
      ],
    },
    {
      plan: { kind: 'ivf_pq', partitions, subVectors: 96 },
      queries: [
        { nprobes: 50, refineFactor: 20 },
        { nprobes: 50, refineFactor: 100 },
      ],
    },
    { plan: { kind: 'ivf_flat', partitions }, queries: [{ nprobes: 20 }, { nprobes: 50 }, { nprobes: 100 }] },
    { plan: vectorIndexPlan(rows), queries: [vectorIndexPlan(rows).query] },
  ];
}

/**
 * `npm run bench -- ann --rows N`: which vector index, and which query settings, keep recall@10 ≥ 0.99
 * of exact search (filtered and unfiltered) at a given table size, and at what latency and build time.
 * It is how `vectorIndexPlan` in src/store/vector-index.ts was chosen; it leaves the cached store with
 * the product's index.
 */
export async function runAnnBench(opts: { quick: boolean; rows?: number }): Promise<Row[]> {
  const rows = opts.rows ?? (opts.quick ? 100_000 : 1_000_000);
  const world = synthetic(rows);
  const { store } = await syntheticStore(world);
  const table = await store.chunks();
  const policy = await PolicyEngine.load(await policyDir());
  const k = 10;
  const filters: { name: string; where: Predicate<ChunkColumn> | 'unfiltered'; exact: Set<string>[] }[] = [
    { name: 'unfiltered', where: 'unfiltered', exact: world.queries.map((q) => exactTop(world, q, null, k)) },
    ...SELECTIVITY.map(([share, classes]) => ({
      name: `${share * 100} %`,
      where: permissionFilter(contextFor(policy, benchIdentity(classes), []).authority)!,
      exact: world.queries.map((q) => exactTop(world, q, new Set(classes), k)),
    })),
  ];
  const out: Row[] = [];
  for (const { plan, queries } of candidates(rows)) {
    const t0 = performance.now();
    await table.raw.createIndex('vector', { config: indexConfig(plan), replace: true });
    const buildSeconds = (performance.now() - t0) / 1000;
    for (const query of queries) {
      const row: Row = { index: describeVectorIndex(plan), query: describeAnnQuery(query), 'build s': round(buildSeconds, 1) };
      for (const { name, where, exact } of filters) {
        const times: number[] = [];
        let recall = 0;
        for (const [i, q] of world.queries.entries()) {
          const t = performance.now();
          const found = await nearestChunks(table, where, { vector: q, ann: query }, k);
          times.push(performance.now() - t);
          recall += found.filter(({ chunk }) => exact[i]!.has(chunk.chunk_id)).length / k;
        }
        row[`recall ${name}`] = round(recall / world.queries.length, 3);
        row[`p50 ms ${name}`] = round(percentile(times, 50), 1);
      }
      out.push(row);
      process.stderr.write(`ann ${JSON.stringify(row)}\n`);
    }
  }
  // Leave the cache as the product builds it.
  await table.raw.createIndex('vector', { config: indexConfig(vectorIndexPlan(rows)), replace: true });
  store.close();
  report('ann', `Vector index choice at ${rows.toLocaleString('en')} synthetic chunks (recall@10 vs exact, p50 of the store query)`, out, [
    `RSS ${rssMb()} MB (this process keeps every vector in memory for exact search).`,
    'The last row is the product default for this size (src/store/vector-index.ts).',
  ]);
  return out;
}
