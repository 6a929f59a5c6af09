import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Embedder } from '../../src/embed/embedder.js';
import { chunkDocument } from '../../src/ingest/chunker.js';
import { ingestAll, type IngestReport } from '../../src/ingest/ingest.js';
import { loadManifest } from '../../src/ingest/manifest.js';
import { parseSource } from '../../src/ingest/parse/index.js';
import { embeddingInput } from '../../src/ingest/writer.js';
import type { PolicyEngine } from '../../src/policy/engine.js';
import { Store } from '../../src/store/store.js';

// Shared by the ingest benchmarks: ingest and its raw-embedding baseline over the same corpora folder.

const knownClasses = (policy: PolicyEngine) => new Set(policy.classes.map((c) => c.id));

/** The chunk texts ingest will embed for every source under corporaDir (through the real parsers), and the parse time. */
export async function chunkTexts(corporaDir: string, embedder: Embedder, policy: PolicyEngine): Promise<{ texts: string[]; parseMs: number }> {
  const texts: string[] = [];
  let parseMs = 0;
  for (const source of readdirSync(corporaDir)) {
    const dir = path.join(corporaDir, source);
    const manifest = await loadManifest(dir, knownClasses(policy));
    const t0 = performance.now();
    const { docs } = await parseSource(dir, manifest);
    parseMs += performance.now() - t0;
    for (const doc of docs) for (const c of chunkDocument(doc, embedder)) texts.push(embeddingInput(doc.title, c.heading, c.text));
  }
  return { texts, parseMs };
}

/** Chunks per second embedding `texts` directly (no parsing, no store). */
export async function rawEmbedRate(embedder: Embedder, texts: string[], options: { batchSize?: number; byLength?: boolean } = {}): Promise<number> {
  const t0 = performance.now();
  await embedder.embed(texts, options);
  return texts.length / ((performance.now() - t0) / 1000);
}

/** The real ingest of `<root>/corpora` into a fresh store at `<root>/store`. */
export async function ingestInto(root: string, embedder: Embedder, policy: PolicyEngine): Promise<IngestReport> {
  const store = await Store.open({ storeUri: path.join(root, 'store'), storageOptions: {}, readConsistencySeconds: 0 });
  try {
    return await ingestAll({ corporaDir: path.join(root, 'corpora'), store, embedder, knownClasses: knownClasses(policy), directory: policy });
  } finally {
    store.close();
  }
}
