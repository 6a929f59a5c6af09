import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A small BEIR-layout folder (8 topics × 3 documents, 8 queries, test qrels). */
export function tinyBeir(): string {
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
export const BENCH_TIMEOUT_MS = 1_800_000;
