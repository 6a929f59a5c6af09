import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultModelDir } from '../../src/config/config.js';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { Embedder, type ModelDtype } from '../../src/embed/embedder.js';
import { chunkDocument } from '../../src/ingest/chunker.js';
import { ingestAll } from '../../src/ingest/ingest.js';
import { embeddingInput } from '../../src/ingest/writer.js';
import { parseMarkdown } from '../../src/ingest/parse/markdown.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { Store } from '../../src/store/store.js';
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
  const policy = await PolicyEngine.load(path.join(PACKAGE_ROOT, 'policy'));
  for (const dtype of ['fp32', 'q8'] as ModelDtype[]) {
    const root = syntheticCorpus(opts.quick ? 30 : 150);
    const embedder = await Embedder.load(defaultModelDir(PACKAGE_ROOT), dtype);
    // Raw embedding throughput on exactly the chunk texts ingest will embed.
    const texts: string[] = [];
    for (const dir of readdirSync(path.join(root, 'corpora'))) {
      for (const name of readdirSync(path.join(root, 'corpora', dir)).filter((n) => n.endsWith('.md'))) {
        const doc = parseMarkdown(readFileSync(path.join(root, 'corpora', dir, name), 'utf8'), `${dir}/${name}`, name);
        for (const c of chunkDocument(doc, embedder)) texts.push(embeddingInput(doc.title, c.heading, c.text));
      }
    }
    const t0 = performance.now();
    await embedder.embed(texts);
    const rawSeconds = (performance.now() - t0) / 1000;
    const store = await Store.open({ storeUri: path.join(root, 'store'), storageOptions: {}, readConsistencySeconds: 0 });
    const result = await ingestAll({
      corporaDir: path.join(root, 'corpora'),
      store,
      embedder,
      knownClasses: new Set(policy.classes.map((c) => c.id)),
      directory: policy,
    });
    const rawRate = texts.length / rawSeconds;
    const ingestRate = result.chunksWritten / result.seconds;
    rows.push({
      dtype,
      documents: result.docsEmbedded,
      chunks: result.chunksWritten,
      'docs/s': round(result.docsEmbedded / result.seconds, 1),
      'chunks/s (ingest)': round(ingestRate, 1),
      'chunks/s (raw embed)': round(rawRate, 1),
      'ingest/raw': round(ingestRate / rawRate),
      'goal ≥0.8': ingestRate / rawRate >= 0.8 ? 'met' : 'not met',
      'peak RSS MB': rssMb(),
    });
    store.close();
    await embedder.dispose();
  }
  report('ingest', 'Ingest throughput vs raw embedding (same chunk texts, same run)', rows, [
    'ingest includes parsing, chunking, labelling, the LanceDB commits and index builds.',
  ]);
  return rows;
}
