import { Index } from '@lancedb/lancedb';
import { z } from 'zod';

/** Query-time settings of the vector index: how many partitions to probe, how many candidates to re-rank exactly. */
export const AnnQuerySchema = z.object({
  nprobes: z.number().int().positive(),
  refineFactor: z.number().int().positive().optional(),
  ef: z.number().int().positive().optional(),
});
export type AnnQuery = z.infer<typeof AnnQuerySchema>;

export const VectorIndexPlanSchema = z.object({
  kind: z.enum(['ivf_pq', 'ivf_flat', 'ivf_hnsw_sq']),
  partitions: z.number().int().positive(),
  subVectors: z.number().int().positive().optional(),
});
export type VectorIndexPlan = z.infer<typeof VectorIndexPlanSchema>;

/** IVF_PQ needs at least 256 rows to train; below a few thousand rows brute force is exact and fast. */
export const VECTOR_INDEX_MIN_ROWS = 5_000;

const partitionsFor = (rows: number) => Math.max(1, Math.round(Math.sqrt(rows)));

/**
 * The index to build for a table of `rows` chunks, and how to query it. IVF_FLAT (exact distances
 * inside the probed partitions) with √rows partitions: at 1M synthetic chunks it kept recall@10 at
 * 1.000 filtered and unfiltered with 5 % of the partitions probed and built in 54 s, where IVF_PQ with
 * the same partitions needed 96 sub-vectors (317 s to build) and the default 24 lost to PQ error
 * (0.67-0.92 unfiltered even re-ranking 4,000 candidates). `npm run bench -- ann` is the measurement.
 */
export function vectorIndexPlan(rows: number): VectorIndexPlan & { query: AnnQuery } {
  return { kind: 'ivf_flat', partitions: partitionsFor(rows), query: annQueryFor(rows) };
}

/** Below this many rows every partition is probed: the index then answers exactly, and a full scan costs a few ms. */
const EXHAUSTIVE_BELOW_ROWS = 50_000;

/**
 * Query settings for a table of `rows` chunks: probe 5 % of the partitions, never fewer than 50, and
 * all of them in tables under EXHAUSTIVE_BELOW_ROWS (there a task that may read 1 % of the chunks has its
 * nearest permitted chunks spread over many partitions). Brute force below VECTOR_INDEX_MIN_ROWS ignores them.
 */
export function annQueryFor(rows: number): AnnQuery {
  const partitions = partitionsFor(rows);
  return { nprobes: rows < EXHAUSTIVE_BELOW_ROWS ? partitions : Math.max(50, Math.ceil(partitions * 0.05)) };
}

/** LanceDB's name for an index kind in `listIndices()` (e.g. "IvfFlat"), normalised to ours. */
export const indexKindOf = (indexType: string): string => indexType.replace(/_/g, '').toLowerCase();
export const samePlanKind = (indexType: string, plan: VectorIndexPlan) => indexKindOf(indexType) === indexKindOf(plan.kind);

/** Stores indexed before issue 19 carry IVF_PQ: until the next ingest rebuilds them, query them as they were tuned (re-rank 100×k exactly). */
export const LEGACY_PQ_QUERY: Partial<AnnQuery> = { refineFactor: 100 };

export function indexConfig(plan: VectorIndexPlan): Index {
  const common = { distanceType: 'cosine' as const, numPartitions: plan.partitions };
  switch (plan.kind) {
    case 'ivf_pq':
      return Index.ivfPq({ ...common, numSubVectors: plan.subVectors });
    case 'ivf_flat':
      return Index.ivfFlat(common);
    case 'ivf_hnsw_sq':
      return Index.hnswSq(common);
  }
}

export const describeAnnQuery = (q: AnnQuery) =>
  [`nprobes ${q.nprobes}`, q.refineFactor ? `refine ${q.refineFactor}` : '', q.ef ? `ef ${q.ef}` : ''].filter(Boolean).join(', ');

export const describeVectorIndex = (p: VectorIndexPlan & { query?: AnnQuery }) =>
  `${p.kind.toUpperCase()} ${p.partitions} partitions${p.subVectors ? `, ${p.subVectors} sub-vectors` : ''}${p.query ? `; ${describeAnnQuery(p.query)}` : ''}`;
