import { existsSync } from 'node:fs';
import path from 'node:path';
import { defaultModelDir } from '../../src/config/config.js';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { Embedder } from '../../src/embed/embedder.js';
import { candidateRankings, DEFAULT_RANKING, documentTextScores, fuseDocuments, type RankingOptions } from '../../src/retrieval/rankings.js';
import type { ScoredChunk } from '../../src/store/chunk-search.js';
import { chunkWhere } from '../../src/store/permission-filter.js';
import { Store } from '../../src/store/store.js';
import { mean, ndcgAt, readBeir, recallAt } from './quality.js';
import { report, round, type Row } from './report.js';

/**
 * The ranking sweep behind DEFAULT_RANKING: over a store that quality-mcp has already ingested (its
 * cached home), each query's vector and full-text candidate lists are read once, as search reads
 * them, and every fusion setting is scored on them in memory. Train split only (docs/benchmarks.md).
 */
const K = 10;
const RECALL_K = 50;

/** What search reads for one k: the chunk lists, and the whole-document full-text scores of every document in them. */
interface Lists {
  chunks: ScoredChunk[][];
  textDocuments: Map<string, number>;
}

interface Candidates {
  qrels: Map<string, number>;
  /** The lists search reads for k=10 (depth 5, pool 50) and for k=50 (pool 250). */
  at10: Lists;
  at50: Lists;
}

const docIds = (lists: Lists, options: RankingOptions) =>
  fuseDocuments(lists.chunks, options, options.fullText === 'document' ? lists.textDocuments : undefined).map((hit) => hit.docId.slice('beir/'.length));

const weights = (ws: number[], name: string, change: Partial<RankingOptions>) =>
  ws.map((w): [string, Partial<RankingOptions>] => [`${name}, vector weight ${w}`, { ...change, vectorWeight: w }]);

/** The ranking before whole-document full-text and z-scores: what the older rows vary. */
const CHUNK_MIN_MAX: Partial<RankingOptions> = { fullText: 'chunk', normalise: 'min-max' };

const VARIANTS: [string, Partial<RankingOptions>][] = [
  ['dense only (vector weight 1)', { vectorWeight: 1 }],
  ['full-text only, best chunk (vector weight 0)', { ...CHUNK_MIN_MAX, vectorWeight: 0 }],
  ['full-text only, whole-document BM25', { fullText: 'document', vectorWeight: 0 }],
  ...weights([0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9], 'best chunk, min-max', CHUNK_MIN_MAX),
  ...[20, 60].map((k): [string, Partial<RankingOptions>] => [
    `RRF k ${k}, best chunk, vector weight 0.6`,
    { ...CHUNK_MIN_MAX, fusion: 'rrf', rrfK: k, vectorWeight: 0.6 },
  ]),
  ...[0.05, 0.1, 0.2].map((x): [string, Partial<RankingOptions>] => [
    `best chunk + ${x} × other chunks, min-max, vector weight 0.6`,
    { ...CHUNK_MIN_MAX, extraChunks: x, vectorWeight: 0.6 },
  ]),
  ...weights([0.5, 0.6], 'best chunk, z-score', { fullText: 'chunk', normalise: 'z-score' }),
  ...weights([0.4, 0.45, 0.5, 0.55, 0.6], 'whole-document BM25, min-max', { fullText: 'document', normalise: 'min-max' }),
  ...weights([0.4, 0.45, 0.5, 0.55, 0.6], 'whole-document BM25, z-score', { fullText: 'document', normalise: 'z-score' }),
];

export async function runRankingSweep(opts: { dataset?: string; split?: string; store: string; queries?: number }): Promise<Row[]> {
  const folder = opts.dataset ?? path.resolve(PACKAGE_ROOT, '../shared/data/scifact');
  const split = opts.split ?? 'train';
  if (split !== 'train') throw new Error('the ranking sweep tunes on the train split only (--split train)');
  const storeUri = opts.store;
  if (!existsSync(storeUri))
    throw new Error(`no store at "${storeUri}": run \`npm run bench -- quality-mcp\` with the same --dataset, --split and --quick first`);
  const beir = readBeir(folder, split);
  const queries = opts.queries ? beir.queries.slice(0, opts.queries) : beir.queries;
  const store = await Store.open({ storeUri, storageOptions: {}, readConsistencySeconds: 0 });
  const embedder = await Embedder.load(defaultModelDir(PACKAGE_ROOT), 'fp32');
  try {
    const table = await store.chunks();
    const ann = await store.annQuery(await table.version());
    const where = chunkWhere.all();
    const candidates: Candidates[] = [];
    for (const q of queries) {
      const probe = { vector: await embedder.embedOne(q.text), ann };
      const read = async (limit: number): Promise<Lists> => {
        const lists = await candidateRankings(table, 'hybrid', where, q.text, probe, limit, DEFAULT_RANKING.bm25);
        const chunks = lists.map((l) => l.ranked);
        const text = lists[1]!.text;
        const textDocuments = text ? await documentTextScores(table, where, chunks, text, () => true, DEFAULT_RANKING.bm25) : new Map<string, number>();
        return { chunks, textDocuments };
      };
      const [at10, at50] = await Promise.all([read(Math.max(K * DEFAULT_RANKING.depth, DEFAULT_RANKING.minPool)), read(RECALL_K * DEFAULT_RANKING.depth)]);
      candidates.push({ qrels: beir.qrels.get(q._id)!, at10, at50 });
    }
    const rows: Row[] = VARIANTS.map(([name, change]) => {
      const options = { ...DEFAULT_RANKING, ...change };
      return {
        setting: name,
        'nDCG@10': round(mean(candidates.map((c) => ndcgAt(docIds(c.at10, options), c.qrels, K))), 4),
        'recall@50': round(mean(candidates.map((c) => recallAt(docIds(c.at50, options), c.qrels, RECALL_K))), 4),
        default: JSON.stringify(options) === JSON.stringify(DEFAULT_RANKING) ? 'yes' : '',
      };
    });
    report(
      'ranking-sweep',
      `Ranking settings on ${path.basename(folder)} (${split}, ${queries.length} queries, ${(await table.count()).toLocaleString('en')} chunks)`,
      rows,
      [
        'Candidate lists read once per query as search reads them (vector and full-text, pool 50 for k=10 and 250 for k=50); each setting fuses them in memory.',
      ],
    );
    return rows;
  } finally {
    await embedder.dispose();
    store.close();
  }
}
