import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultModelDir } from '../../src/config/config.js';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { Embedder, type ModelDtype } from '../../src/embed/embedder.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { chunkTexts, ingestInto, rawEmbedRate } from './ingest-run.js';
import { report, round, rssMb, type Row } from './report.js';

/** One source of realistic documents: the sample engineering docs, copied under new names. */
function syntheticCorpus(copies: number): string {
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-bench-ingest-'));
  const dir = path.join(root, 'corpora', 'eng-bench');
  cpSync(path.join(PACKAGE_ROOT, 'corpora/eng-docs'), dir, { recursive: true });
  const manifest = path.join(dir, 'corpus.yaml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('id: eng-docs', 'id: eng-bench'));
  const originals = readdirSync(dir).filter((n) => n.endsWith('.md'));
  for (let i = 1; i < copies; i++) {
    for (const name of originals) {
      // A distinct first line per copy, so every copy is a new document version.
      writeFileSync(path.join(dir, `${i}-${name}`), readFileSync(path.join(dir, name), 'utf8').replace(/^(# .*)$/m, `$1 (copy ${i})`));
    }
  }
  return root;
}

export async function runIngestBench(opts: { quick: boolean }): Promise<Row[]> {
  const rows: Row[] = [];
  const batchRows: Row[] = [];
  const policy = await PolicyEngine.load(path.join(PACKAGE_ROOT, 'policy'));
  for (const dtype of ['fp32', 'q8'] as ModelDtype[]) {
    const root = syntheticCorpus(opts.quick ? 30 : 150);
    const embedder = await Embedder.load(defaultModelDir(PACKAGE_ROOT), dtype);
    // Raw embedding throughput on exactly the chunk texts ingest will embed.
    const { texts } = await chunkTexts(path.join(root, 'corpora'), embedder, policy);
    const rawRate = (options: { batchSize?: number; byLength?: boolean }) => rawEmbedRate(embedder, texts, options);
    const unsortedRate = await rawRate({ byLength: false });
    const bucketedRate = await rawRate({});
    // Batch size by measurement, on the default (length-bucketed) path.
    for (const batchSize of [8, 16, 32, 64]) batchRows.push({ dtype, 'batch size': batchSize, 'chunks/s (raw embed)': round(await rawRate({ batchSize }), 1) });
    const result = await ingestInto(root, embedder, policy);
    const ingestRate = result.chunksWritten / result.seconds;
    rows.push({
      dtype,
      documents: result.docsEmbedded,
      chunks: result.chunksWritten,
      'docs/s': round(result.docsEmbedded / result.seconds, 1),
      'chunks/s (ingest)': round(ingestRate, 1),
      'raw, unsorted batches': round(unsortedRate, 1),
      'raw, by length': round(bucketedRate, 1),
      'by length / unsorted': round(bucketedRate / unsortedRate),
      'ingest / raw by length': round(ingestRate / bucketedRate),
      'goal ≥0.9': ingestRate / bucketedRate >= 0.9 ? 'met' : 'not met',
      'peak RSS MB': rssMb(),
    });
    await embedder.dispose();
  }
  report('ingest', 'Ingest throughput vs raw embedding (same chunk texts, same run)', rows, [
    'ingest includes parsing, DLP, chunking, labelling, the LanceDB commits (overlapped with embedding the next batch) and index builds.',
    'raw: the same chunk texts embedded in batches of 16, in document order ("unsorted") or sorted by length ("by length", the default).',
  ]);
  report('ingest-batch', 'Raw embedding throughput by batch size (length-bucketed)', batchRows, ['the default batch size is 16.']);
  return rows;
}
