import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { benchCliEnv, CLI, connectTask, runBenchCli } from './cli-session.js';
import { aclFor, HUMANS, mean, ndcgAt, readBeir, recallAt } from './quality.js';
import { percentile, report, round, type Row } from './report.js';

/** Reads every document (the ACL below adds it to each one): the full-corpus figures are carol's. */
const EVALUATOR: [string, string] = ['carol', 'claude-code'];
const AGENT_OF: Record<string, string> = { alice: 'claude-code', bob: 'support-assistant', gina: 'claude-code' };

interface Answer {
  results: { citation: { doc_id: string }; more_passages?: unknown[] }[];
}

/**
 * Retrieval quality as an agent gets it: the built `clearance` CLI ingests the BEIR folder as one
 * source, `clearance task start` mints task grants, and an MCP SDK client talks to
 * `clearance serve --stdio` (one server process per task, as a user runs it) with `search` calls.
 * nDCG@10 is over the documents of one k=10 call, recall@50 over one k=50 call, both with default
 * settings (document granularity); the chunk-granularity row reads the distinct documents of a k=10
 * chunk answer (what the tool returned before issue 19). Documents carry synthetic ACLs (engineering,
 * support or everyone, plus the evaluator), so the per-human rows also count leaked documents.
 */
export async function runQualityMcpBench(opts: { quick: boolean; dataset?: string; split?: string; queries?: number; cacheDir?: string }): Promise<Row[]> {
  const folder = opts.dataset ?? path.resolve(PACKAGE_ROOT, '../shared/data/scifact');
  if (!existsSync(path.join(folder, 'corpus.jsonl'))) {
    process.stdout.write(`quality-mcp: skipped — no BEIR dataset at ${folder} (pass --dataset <folder with corpus.jsonl, queries.jsonl, qrels/>)\n`);
    return [];
  }
  if (!existsSync(CLI)) throw new Error(`quality-mcp needs the built CLI at ${CLI} (npm run build)`);
  const split = opts.split ?? 'train';
  const beir = readBeir(folder, split);
  let { docs, queries } = beir;
  if (opts.quick) {
    queries = queries.slice(0, opts.queries ?? 100);
    const needed = new Set(queries.flatMap((q) => [...beir.qrels.get(q._id)!.keys()]));
    docs = [...docs.filter((d) => needed.has(d._id)), ...docs.filter((d) => !needed.has(d._id)).slice(0, 1500)];
  } else if (opts.queries) queries = queries.slice(0, opts.queries);

  // With a cache folder the Clearance home (its store) is kept between runs: `clearance ingest` is
  // incremental, so a second run embeds nothing (as a user's re-ingest would).
  const root = opts.cacheDir ?? mkdtempSync(path.join(tmpdir(), 'clearance-bench-quality-mcp-'));
  const sourceDir = path.join(root, 'corpora', 'beir');
  mkdirSync(sourceDir, { recursive: true });
  rmSync(path.join(root, 'policy'), { recursive: true, force: true });
  cpSync(path.join(PACKAGE_ROOT, 'policy'), path.join(root, 'policy'), { recursive: true });
  writeFileSync(
    path.join(sourceDir, 'corpus.yaml'),
    `id: beir\ntitle: BEIR ${path.basename(folder)}\ndata_class: public\nowner: user:alice\nread_acl: ["*"]\nfreshness: { max_age_days: 36500 }\ninclude: ["*.jsonl"]\njsonl: { id_field: _id, text_field: text, title_field: title, acl_field: read_acl }\n`,
  );
  writeFileSync(
    path.join(sourceDir, 'corpus.jsonl'),
    docs.map((d) => JSON.stringify({ _id: d._id, title: d.title, text: d.text, read_acl: [aclFor(d._id), `user:${EVALUATOR[0]}`] })).join('\n'),
  );
  const env = benchCliEnv(root, {
    CLEARANCE_POLICY_DIR: path.join(root, 'policy'),
    CLEARANCE_CORPORA_DIR: path.join(root, 'corpora'),
  });
  const ingestStarted = performance.now();
  runBenchCli(env, ['ingest']);
  const ingestSeconds = (performance.now() - ingestStarted) / 1000;

  const connect = async (human: string, agent: string) => {
    const { client } = await connectTask(env, { owner: human, agent, purpose: 'quality-mcp bench', client: 'quality-mcp-bench' });
    const latencies: number[] = [];
    const search = async (args: Record<string, unknown>): Promise<{ docs: string[]; passages: number }> => {
      const t = performance.now();
      const r = await client.callTool({ name: 'search', arguments: { reason: 'quality bench', ...args } });
      latencies.push(performance.now() - t);
      if (r.isError) throw new Error(`search failed: ${JSON.stringify(r.content).slice(0, 500)}`);
      const results = (r.structuredContent as unknown as Answer).results;
      const ids = results.map((x) => x.citation.doc_id.slice('beir/'.length));
      return { docs: [...new Set(ids)], passages: results.reduce((n, x) => n + 1 + (x.more_passages?.length ?? 0), 0) };
    };
    return { search, latencies, close: () => client.close() };
  };

  const rows: Row[] = [];
  const evaluator = await connect(...EVALUATOR);
  const evaluate = async (retrieval: string, mode: string, granularity: 'document' | 'chunk') => {
    const nd: number[] = [];
    const r50: number[] = [];
    const distinct: number[] = [];
    const passages: number[] = [];
    evaluator.latencies.length = 0;
    for (const q of queries) {
      const rel = beir.qrels.get(q._id)!;
      const ten = await evaluator.search({ query: q.text, k: 10, mode, granularity });
      nd.push(ndcgAt(ten.docs, rel));
      distinct.push(ten.docs.length);
      passages.push(ten.passages);
    }
    const p50 = percentile(evaluator.latencies, 50);
    if (granularity === 'document')
      for (const q of queries) r50.push(recallAt((await evaluator.search({ query: q.text, k: 50, mode, granularity })).docs, beir.qrels.get(q._id)!, 50));
    rows.push({
      retrieval,
      granularity,
      queries: queries.length,
      documents: docs.length,
      'nDCG@10 (k=10)': round(mean(nd), 4),
      'recall@50 (k=50)': r50.length ? round(mean(r50), 4) : '',
      'docs per k=10 answer': round(mean(distinct), 2),
      'passages per k=10 answer': round(mean(passages), 2),
      'p50 ms (k=10)': round(p50, 1),
    });
  };
  try {
    await evaluate('dense', 'vector', 'document');
    await evaluate('full-text', 'fts', 'document');
    await evaluate('hybrid (default)', 'hybrid', 'document');
    await evaluate('hybrid, chunk answers', 'hybrid', 'chunk');
  } finally {
    await evaluator.close();
  }
  // Per human: hybrid k=10 with default settings; every returned document checked against the ACL.
  for (const [human, may] of HUMANS) {
    const allowed = (id: string) => may(aclFor(id));
    const agent = await connect(human, AGENT_OF[human]!);
    let leaks = 0;
    let evaluated = 0;
    const nd: number[] = [];
    try {
      for (const q of queries) {
        const r = await agent.search({ query: q.text, k: 10 });
        leaks += r.docs.filter((d) => !allowed(d)).length;
        const rel = new Map([...beir.qrels.get(q._id)!].filter(([d]) => allowed(d)));
        if (rel.size === 0) continue;
        evaluated++;
        nd.push(ndcgAt(r.docs, rel));
      }
    } finally {
      await agent.close();
    }
    rows.push({
      retrieval: `hybrid as ${human}`,
      granularity: 'document',
      queries: evaluated,
      documents: docs.filter((d) => allowed(d._id)).length,
      'nDCG@10 (k=10)': round(mean(nd), 4),
      'recall@50 (k=50)': '',
      'docs per k=10 answer': '',
      'passages per k=10 answer': '',
      'p50 ms (k=10)': round(percentile(agent.latencies, 50), 1),
      leaked: leaks,
    });
  }
  for (const r of rows) r.leaked ??= '';
  report('quality-mcp', `Retrieval quality through MCP (clearance serve --stdio) on ${path.basename(folder)} (${split} split)`, rows, [
    `Ingest through the CLI: ${round(ingestSeconds, 0)} s${opts.cacheDir ? ` (incremental, home kept in ${opts.cacheDir})` : ''}. nDCG@10 over the distinct documents of one k=10 call; recall@50 over one k=50 call.`,
    'Per-human rows: qrels restricted to what the human may read; "leaked" counts returned documents the human may not read (must be 0).',
  ]);
  return rows;
}
