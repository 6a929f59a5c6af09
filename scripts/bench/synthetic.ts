import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import type { RequestIdentity } from '../../src/identity/identity.js';
import { EMBEDDING_DIMS } from '../../src/store/schema.js';
import { Store } from '../../src/store/store.js';
import { indexConfig, vectorIndexPlan } from '../../src/store/vector-index.js';

/** Per-dimension noise around 64 centroids: cosine to the centroid ≈ 0.9, like topical text embeddings. */
const NOISE = 0.025;
export const CLASSES: [string, number][] = [
  ['c01', 0.01],
  ['c09', 0.09],
  ['c40', 0.4],
  ['c50', 0.5],
];
/** Share of chunks a task may read, and the classes that make it up. */
export const SELECTIVITY: [number, string[]][] = [
  [0.01, ['c01']],
  [0.1, ['c01', 'c09']],
  [0.5, ['c01', 'c09', 'c40']],
];

/** Deterministic pseudo-random numbers, so the cached table and the in-memory copy agree. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}
function gaussian(next: () => number) {
  return Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
}
function unit(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

export interface SyntheticWorld {
  vectors: Float32Array[];
  classes: string[];
  queries: Float32Array[];
}

export function synthetic(rows: number): SyntheticWorld {
  const next = rng(42);
  const centroids = Array.from({ length: 64 }, () => unit(Float32Array.from({ length: EMBEDDING_DIMS }, () => gaussian(next))));
  const vectors: Float32Array[] = [];
  const classes: string[] = [];
  for (let i = 0; i < rows; i++) {
    const c = centroids[Math.floor(next() * centroids.length)]!;
    vectors.push(unit(c.map((x) => x + gaussian(next) * NOISE)));
    const r = next();
    let acc = 0;
    classes.push(CLASSES.find(([, share]) => (acc += share) > r)?.[0] ?? 'c50');
  }
  const queries = Array.from({ length: 40 }, () => unit(centroids[Math.floor(next() * centroids.length)]!.map((x) => x + gaussian(next) * NOISE)));
  return { vectors, classes, queries };
}

/** Ids of the exact top k by cosine among the chunks whose class is allowed (all with `null`). */
export function exactTop(world: SyntheticWorld, q: Float32Array, allowed: ReadonlySet<string> | null, k: number): Set<string> {
  // The k best so far, best first (a full sort of a million scores per query would dominate the bench).
  const best: [number, number][] = [];
  world.vectors.forEach((v, i) => {
    if (allowed && !allowed.has(world.classes[i]!)) return;
    let dot = 0;
    for (let d = 0; d < v.length; d++) dot += v[d]! * q[d]!;
    if (best.length === k && dot <= best[k - 1]![0]) return;
    let at = best.findIndex(([score]) => dot > score);
    if (at < 0) at = best.length;
    best.splice(at, 0, [dot, i]);
    if (best.length > k) best.pop();
  });
  return new Set(best.map(([, i]) => `c${i}`));
}

/** A policy where user:reader reads every synthetic class, padded with filler lines that do not apply. */
export async function policyDir(extraLines = 0): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'clearance-bench-policy-'));
  copyFileSync(path.join(PACKAGE_ROOT, 'policy/model.conf'), path.join(dir, 'model.conf'));
  copyFileSync(path.join(PACKAGE_ROOT, 'policy/server.yaml'), path.join(dir, 'server.yaml'));
  const people = ['g, user:reader, group:everyone', 'g, user:reader, group:readers'];
  const rules = CLASSES.map(([c]) => `p, group:readers, class:${c}, read, allow`);
  for (let i = 0; people.length + rules.length < extraLines; i++) {
    people.push(`g, user:u${i}, group:everyone`, `g, user:u${i}, group:team${i % 200}`);
    rules.push(`p, group:team${i % 200}, class:${CLASSES[i % CLASSES.length]![0]}, read, allow`);
  }
  writeFileSync(path.join(dir, 'people.csv'), people.join('\n'));
  writeFileSync(path.join(dir, 'classes.csv'), rules.join('\n'));
  writeFileSync(
    path.join(dir, 'agents.csv'),
    [
      ...CLASSES.map(([c]) => `p, agent:bench, class:${c}, use, allow`),
      'p, agent:bench, source:*, use, allow',
      'p, agent:bench, method:search, call, allow',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'classes.yaml'), `classes:\n${CLASSES.map(([c], i) => `  - { id: ${c}, rank: ${i}, description: synthetic }`).join('\n')}\n`);
  return dir;
}

export const benchIdentity = (classes?: string[]): RequestIdentity => ({
  human: 'reader',
  agent: 'bench',
  taskId: 't',
  purpose: 'bench',
  runId: 'r',
  transport: 'cli',
  scope: classes ? { classes } : {},
  grantExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
});

/** A cached table whose vector index is not the product's current choice gets it rebuilt (timed); NaN when it already matches. */
async function matchVectorIndex(store: Store, rows: number): Promise<number> {
  const table = (await store.chunks()).raw;
  const plan = vectorIndexPlan(rows);
  if (!(await store.vectorIndexOutdated())) return NaN;
  const t0 = performance.now();
  await table.createIndex('vector', { config: indexConfig(plan), replace: true });
  return (performance.now() - t0) / 1000;
}

/**
 * The synthetic world as a Clearance store, cached in `.bench-cache/` (built with the product's own
 * indexes on first use). `buildSeconds` is NaN when the cache was reused.
 */
export async function syntheticStore(world: SyntheticWorld): Promise<{ store: Store; dir: string; buildSeconds: number }> {
  const rows = world.vectors.length;
  const dir = path.join(PACKAGE_ROOT, '.bench-cache', `retrieval-${rows}-noise${NOISE}`);
  const store = await Store.open({ storeUri: dir, storageOptions: {}, readConsistencySeconds: 0 });
  if (existsSync(path.join(dir, 'chunks.lance')) && (await (await store.chunks()).count()) === rows)
    return { store, dir, buildSeconds: await matchVectorIndex(store, rows) };
  mkdirSync(dir, { recursive: true });
  const table = await store.chunks();
  const now = new Date().toISOString();
  for (let start = 0; start < rows; start += 20_000) {
    await table.add(
      world.vectors.slice(start, start + 20_000).map((v, j) => {
        const i = start + j;
        return {
          chunk_id: `c${i}`,
          source: 'synthetic',
          doc_id: `synthetic/d${i}`,
          doc_path: `d${i}`,
          title: `d${i}`,
          heading: '',
          doc_version: 'v',
          ordinal: 0,
          span_start: 0,
          span_end: 1,
          text: `chunk ${i}`,
          chunk_hash: `${i}`,
          data_class: world.classes[i]!,
          owner: 'user:reader',
          acl_source: ['*'],
          acl_doc: ['*'],
          doc_updated_at: now,
          doc_author: '',
          ingested_at: now,
          vector: Array.from(v),
        };
      }),
    );
  }
  await (
    await store.sources()
  ).add([
    {
      source: 'synthetic',
      title: 'synthetic',
      data_class: 'c50',
      owner: 'user:reader',
      acl_source: ['*'],
      max_age_days: 36500,
      review_by: null,
      manifest_hash: 'x',
      doc_count: rows,
      chunk_count: rows,
      last_ingest_at: now,
    },
  ]);
  const t0 = performance.now();
  await store.ensureChunkIndexes();
  return { store, dir, buildSeconds: (performance.now() - t0) / 1000 };
}
