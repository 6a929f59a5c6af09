import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultModelDir } from '../../src/config/config.js';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { Embedder } from '../../src/embed/embedder.js';
import { contextFor } from '../../src/gate/gate.js';
import type { RequestIdentity } from '../../src/identity/identity.js';
import { ingestAll } from '../../src/ingest/ingest.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { search } from '../../src/retrieval/search.js';
import { SourceCatalog } from '../../src/retrieval/source-catalog.js';
import { Store } from '../../src/store/store.js';
import { report, round, type Row } from './report.js';

export interface Beir {
  docs: { _id: string; title: string; text: string }[];
  queries: { _id: string; text: string }[];
  qrels: Map<string, Map<string, number>>;
}

export function readBeir(folder: string, split: string): Beir {
  const lines = (f: string) =>
    readFileSync(path.join(folder, f), 'utf8')
      .split('\n')
      .filter((l) => l.trim());
  const qrels = new Map<string, Map<string, number>>();
  for (const line of lines(`qrels/${split}.tsv`).slice(1)) {
    const [q, d, s] = line.replace(/\r$/, '').split('\t');
    if (!q || !d) continue;
    qrels.set(q, (qrels.get(q) ?? new Map()).set(d, Number(s)));
  }
  const queries = lines('queries.jsonl')
    .map((l) => JSON.parse(l))
    .filter((q) => qrels.has(q._id));
  return { docs: lines('corpus.jsonl').map((l) => JSON.parse(l)), queries, qrels };
}

/** trec_eval nDCG@k: graded gain, log2 discount, ideal DCG from the qrels. */
export function ndcgAt(ranked: string[], rel: Map<string, number>, k = 10): number {
  const dcg = ranked.slice(0, k).reduce((sum, d, i) => sum + (rel.get(d) ?? 0) / Math.log2(i + 2), 0);
  const ideal = [...rel.values()]
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, g, i) => sum + g / Math.log2(i + 2), 0);
  return ideal > 0 ? dcg / ideal : 0;
}
export const recallAt = (ranked: string[], rel: Map<string, number>, k = 100) =>
  [...rel.keys()].filter((d) => ranked.slice(0, k).includes(d)).length / rel.size;
export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Synthetic ACL for a document: a stable hash puts a third each under engineering, support, everyone. */
export const aclFor = (id: string) => ['group:engineering', 'group:support', '*'][[...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 3]!;
export const HUMANS: [string, (acl: string) => boolean][] = [
  ['alice', (acl) => acl !== 'group:support'],
  ['bob', (acl) => acl !== 'group:engineering'],
  ['gina', (acl) => acl === '*'],
];

export async function runQualityBench(opts: { quick: boolean; dataset?: string; split?: string }): Promise<Row[]> {
  const folder = opts.dataset ?? path.resolve(PACKAGE_ROOT, '../shared/data/scifact');
  if (!existsSync(path.join(folder, 'corpus.jsonl'))) {
    process.stdout.write(`quality: skipped — no BEIR dataset at ${folder} (pass --dataset <folder with corpus.jsonl, queries.jsonl, qrels/>)\n`);
    return [];
  }
  const split = opts.split ?? 'train';
  const beir = readBeir(folder, split);
  let { docs, queries } = beir;
  if (opts.quick) {
    queries = queries.slice(0, 100);
    const needed = new Set(queries.flatMap((q) => [...beir.qrels.get(q._id)!.keys()]));
    docs = [...docs.filter((d) => needed.has(d._id)), ...docs.filter((d) => !needed.has(d._id)).slice(0, 1500)];
  }
  const policy = await PolicyEngine.load(path.join(PACKAGE_ROOT, 'policy'));
  const embedder = await Embedder.load(defaultModelDir(PACKAGE_ROOT), 'fp32');
  const rows: Row[] = [];

  for (const mode of ['one-chunk', 'chunked'] as const) {
    const root = mkdtempSync(path.join(tmpdir(), 'clearance-bench-quality-'));
    const sourceDir = path.join(root, 'corpora', 'beir');
    mkdirSync(sourceDir, { recursive: true });
    const manifest = (withAcl: boolean) =>
      `id: beir\ntitle: BEIR ${path.basename(folder)}\ndata_class: public\nowner: user:alice\nread_acl: ["*"]\nfreshness: { max_age_days: 36500 }\ninclude: ["*.jsonl"]\njsonl: { id_field: _id, text_field: text, title_field: title${withAcl ? ', acl_field: read_acl' : ''} }\n`;
    writeFileSync(path.join(sourceDir, 'corpus.yaml'), manifest(false));
    writeFileSync(path.join(sourceDir, 'corpus.jsonl'), docs.map((d) => JSON.stringify({ _id: d._id, title: d.title, text: d.text })).join('\n'));
    const store = await Store.open({ storeUri: path.join(root, 'store'), storageOptions: {}, readConsistencySeconds: 0 });
    const ingestOptions = {
      corporaDir: path.join(root, 'corpora'),
      store,
      embedder,
      knownClasses: new Set(policy.classes.map((c) => c.id)),
      directory: policy,
      commitEvery: 256,
      chunking: mode === 'one-chunk' ? { targetTokens: 1_000_000, overlapTokens: 0 } : undefined,
    };
    const ingest = await ingestAll(ingestOptions);
    const problems = ingest.sources.flatMap((src) => [src.error, ...src.skipped.map((k) => `${k.path}: ${k.reason}`)]).filter(Boolean);
    if (problems.length > 0) throw new Error(`ingest of the dataset reported problems: ${problems.slice(0, 3).join('; ')}`);
    const sources = new SourceCatalog(store);
    const identity = (human: string): RequestIdentity => ({
      human,
      agent: 'audit-assistant',
      taskId: 'bench',
      purpose: 'quality',
      runId: 'bench',
      transport: 'cli',
      scope: {},
      grantExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const vectors = new Map<string, Float32Array>();
    for (const q of queries) vectors.set(q._id, await embedder.embedOne(q.text));
    const queryEmbedder = { embedOne: async (text: string) => vectors.get(queries.find((q) => q.text === text)!._id)! };
    const ranked = async (q: { _id: string; text: string }, m: 'vector' | 'fts' | 'hybrid', human = 'gina') => {
      const result = await search({ store, embedder: queryEmbedder, sources }, contextFor(policy, identity(human), []), {
        query: q.text,
        k: mode === 'chunked' ? 300 : 100,
        mode: m,
      });
      return [...new Set(result.passages.map((p) => p.provenance.doc_id.slice('beir/'.length)))].slice(0, 100);
    };
    // Exact dense reference in the same run: brute-force cosine over the stored document vectors.
    const table = await store.chunks();
    const stored = (await table.rows(undefined, { select: ['doc_id', 'vector'] })).map((r) => ({ id: r.doc_id.slice(5), v: Float32Array.from(r.vector) }));
    const exact = (q: { _id: string }, allowed: (id: string) => boolean = () => true) => {
      const v = vectors.get(q._id)!;
      const best = new Map<string, number>();
      for (const s of stored) {
        if (!allowed(s.id)) continue;
        let dot = 0;
        for (let i = 0; i < v.length; i++) dot += v[i]! * s.v[i]!;
        if (dot > (best.get(s.id) ?? -Infinity)) best.set(s.id, dot);
      }
      return [...best.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 100)
        .map(([id]) => id);
    };
    const score = async (name: string, rank: (q: { _id: string; text: string }) => Promise<string[]> | string[]) => {
      const nd: number[] = [];
      const rc: number[] = [];
      for (const q of queries) {
        const r = await rank(q);
        nd.push(ndcgAt(r, beir.qrels.get(q._id)!));
        rc.push(recallAt(r, beir.qrels.get(q._id)!));
      }
      rows.push({
        mode,
        retrieval: name,
        queries: queries.length,
        documents: docs.length,
        chunks: ingest.chunksWritten,
        'nDCG@10': round(mean(nd), 4),
        'recall@100': round(mean(rc), 4),
      });
    };
    await score('exact dense (brute force, same vectors)', (q) => exact(q));
    await score('dense via Clearance', (q) => ranked(q, 'vector'));
    await score('full-text via Clearance', (q) => ranked(q, 'fts'));
    await score('hybrid via Clearance', (q) => ranked(q, 'hybrid'));

    if (mode === 'one-chunk') {
      // Per-human evaluation under synthetic ACLs: relabel only (no re-embedding), then compare
      // each human's results against an oracle that searches only the documents they may read.
      writeFileSync(path.join(sourceDir, 'corpus.yaml'), manifest(true));
      writeFileSync(
        path.join(sourceDir, 'corpus.jsonl'),
        docs.map((d) => JSON.stringify({ _id: d._id, title: d.title, text: d.text, read_acl: [aclFor(d._id)] })).join('\n'),
      );
      await ingestAll(ingestOptions);
      for (const [human, may] of HUMANS) {
        const allowed = (id: string) => may(aclFor(id));
        let leaks = 0;
        const nd: number[] = [];
        const oracle: number[] = [];
        let evaluated = 0;
        for (const q of queries) {
          const rel = new Map([...beir.qrels.get(q._id)!].filter(([d]) => allowed(d)));
          const r = await ranked(q, 'vector', human);
          leaks += r.filter((d) => !allowed(d)).length;
          if (rel.size === 0) continue;
          evaluated++;
          nd.push(ndcgAt(r, rel));
          oracle.push(ndcgAt(exact(q, allowed), rel));
        }
        rows.push({
          mode: 'one-chunk, per human',
          retrieval: `dense as ${human}`,
          queries: evaluated,
          documents: docs.filter((d) => allowed(d._id)).length,
          chunks: '',
          'nDCG@10': round(mean(nd), 4),
          'recall@100': `oracle nDCG@10 ${round(mean(oracle), 4)}; leaked ${leaks}`,
        });
      }
    }
    store.close();
  }
  await embedder.dispose();
  report('quality', `Retrieval quality on ${path.basename(folder)} (${split} split) through Clearance's ingest and search`, rows, [
    'Reference (shared/data/scifact/README.md): exact dense, fp32, title + text truncated at 256 tokens: nDCG@10 0.6586 on the full train split.',
  ]);
  return rows;
}
