import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Embedder } from '../embed/embedder.js';
import { assertStoreModel } from '../embed/model-guard.js';
import { sqlString, sqlStringList } from '../store/sql.js';
import type { ChunkRow } from '../store/schema.js';
import { WriterLease } from '../store/lease.js';
import type { Store } from '../store/store.js';
import { chunkDocument, type ChunkOptions } from './chunker.js';
import { discoverFiles } from './discover.js';
import type { ParsedDoc, Skip } from './document.js';
import { labelDocument, type DocLabels, type ReaderDirectory } from './labels.js';
import { loadManifest, MANIFEST_FILE, type CorpusManifest } from './manifest.js';
import { parseHtml } from './parse/html.js';
import { parseJsonl } from './parse/jsonl.js';
import { parseMarkdown } from './parse/markdown.js';
import { parseText } from './parse/text.js';

export const SourceReportSchema = z.object({
  source: z.string(),
  dataClass: z.string().nullable(),
  error: z.string().nullable(),
  docs: z.number().int(),
  embedded: z.number().int(),
  relabelled: z.number().int(),
  unchanged: z.number().int(),
  deleted: z.number().int(),
  chunksWritten: z.number().int(),
  chunks: z.number().int(),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type SourceReport = z.infer<typeof SourceReportSchema>;

export const IngestReportSchema = z.object({
  sources: z.array(SourceReportSchema),
  removedSources: z.array(z.string()),
  docsEmbedded: z.number().int(),
  chunksWritten: z.number().int(),
  seconds: z.number(),
  tableVersion: z.number().int(),
  dryRun: z.boolean(),
});
export type IngestReport = z.infer<typeof IngestReportSchema>;

export interface IngestProgress {
  phase: 'scan' | 'embed';
  source: string;
  docsDone: number;
  docsTotal: number;
  chunksDone: number;
}

export interface IngestOptions {
  corporaDir: string;
  store: Store;
  embedder: Embedder;
  knownClasses: ReadonlySet<string>;
  directory: ReaderDirectory;
  sources?: string[];
  dryRun?: boolean;
  /** Documents per store commit: each commit replaces whole documents atomically. */
  commitEvery?: number;
  /** Chunk sizes (default: ~180 tokens with 40 overlap); a huge target gives one chunk per document. */
  chunking?: ChunkOptions;
  onProgress?: (progress: IngestProgress) => void;
  /** How long to queue behind another ingest holding the store's writer lease (default: fail at once). */
  leaseWaitMs?: number;
}

interface ExistingDoc {
  version: string;
  labels: string;
  chunks: number;
}

interface PlannedDoc {
  doc: ParsedDoc;
  labels: DocLabels;
  version: string;
  labelKey: string;
  updatedAt: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const labelKey = (l: DocLabels) => JSON.stringify([l.dataClass, l.aclSource, l.aclDoc, l.owner]);
const arr = (v: unknown): string[] => (Array.isArray(v) ? v : (v as { toArray(): string[] }).toArray()).map(String);

/** The text that is embedded: title and heading give a chunk its context. */
export function embeddingInput(title: string, heading: string, text: string): string {
  return heading && heading !== title ? `${title} — ${heading}\n${text}` : `${title}\n${text}`;
}

async function parseSource(dir: string, manifest: CorpusManifest): Promise<{ docs: ParsedDoc[]; skips: Skip[] }> {
  const { files, skips } = await discoverFiles(dir, manifest);
  const docs: ParsedDoc[] = [];
  for (const file of files) {
    const docId = `${manifest.id}/${file.relPath}`;
    try {
      if (file.relPath.endsWith('.jsonl')) {
        const parsed = parseJsonl(file.text, manifest.id, file.relPath, manifest.jsonl!);
        docs.push(...parsed.docs.map((d) => ({ ...d, updatedAt: d.updatedAt ?? file.mtime })));
        skips.push(...parsed.skips);
        continue;
      }
      const parse = /\.(md|markdown)$/i.test(file.relPath) ? parseMarkdown : /\.html?$/i.test(file.relPath) ? parseHtml : parseText;
      const doc = parse(file.text, docId, file.relPath);
      if (doc.text.trim() === '') skips.push({ path: file.relPath, reason: 'no text after parsing' });
      else docs.push({ ...doc, updatedAt: doc.updatedAt ?? file.mtime });
    } catch (err) {
      skips.push({ path: file.relPath, reason: (err as Error).message });
    }
  }
  return { docs, skips };
}

async function existingDocs(store: Store, source: string): Promise<Map<string, ExistingDoc>> {
  const table = await store.chunks();
  const rows = await table
    .query()
    .where(`source = ${sqlString(source)}`)
    .select(['doc_id', 'doc_version', 'data_class', 'acl_source', 'acl_doc', 'owner'])
    .toArray();
  const docs = new Map<string, ExistingDoc>();
  for (const row of rows) {
    const key = labelKey({ dataClass: row.data_class, aclSource: arr(row.acl_source), aclDoc: arr(row.acl_doc), owner: row.owner });
    const prev = docs.get(row.doc_id);
    docs.set(row.doc_id, { version: row.doc_version, labels: key, chunks: (prev?.chunks ?? 0) + 1 });
  }
  return docs;
}

function rowsFor(plan: PlannedDoc, source: string, chunks: ReturnType<typeof chunkDocument>, vectors: Float32Array[], now: string): ChunkRow[] {
  return chunks.map((chunk, i) => ({
    chunk_id: sha256(`${plan.doc.docId}\0${plan.version}\0${chunk.ordinal}`).slice(0, 32),
    source,
    doc_id: plan.doc.docId,
    doc_path: plan.doc.path,
    title: plan.doc.title,
    heading: chunk.heading,
    doc_version: plan.version,
    ordinal: chunk.ordinal,
    span_start: chunk.start,
    span_end: chunk.end,
    text: chunk.text,
    chunk_hash: sha256(chunk.text),
    data_class: plan.labels.dataClass,
    owner: plan.labels.owner,
    acl_source: plan.labels.aclSource,
    acl_doc: plan.labels.aclDoc,
    doc_updated_at: plan.updatedAt,
    ingested_at: now,
    vector: Array.from(vectors[i]!),
  }));
}

/**
 * Brings the store in line with the corpora. Unchanged documents cost nothing; changed documents
 * replace their chunks in one commit (old version gone in the same commit); label-only changes keep
 * their vectors; removed documents and sources are deleted. A crash between commits leaves every
 * document either fully old or fully new, and a re-run finishes the job.
 */
/** Ingests under the store's writer lease: one ingest at a time per store, whichever machine runs it. */
export async function ingestAll(options: IngestOptions): Promise<IngestReport> {
  if (options.dryRun) return ingestUnderLease(options);
  const lease = await WriterLease.acquire(options.store, 'ingest', { waitMs: options.leaseWaitMs, label: 'clearance ingest' });
  try {
    return await ingestUnderLease(options);
  } finally {
    await lease.release();
  }
}

async function ingestUnderLease(options: IngestOptions): Promise<IngestReport> {
  const started = performance.now();
  const { store, embedder, corporaDir } = options;
  const dryRun = options.dryRun ?? false;
  const commitEvery = options.commitEvery ?? 16;
  if (!dryRun) await assertStoreModel(store, embedder, { claim: true });
  const table = await store.chunks();
  const sourcesTable = await store.sources();

  const folders = (await readdir(corporaDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const selected = options.sources ?? folders;
  for (const name of selected) {
    if (!folders.includes(name)) throw new Error(`--source ${name}: no folder ${path.join(corporaDir, name)}`);
  }

  const reports: SourceReport[] = [];
  let docsEmbedded = 0;
  let chunksWritten = 0;
  for (const name of selected) {
    const dir = path.join(corporaDir, name);
    const report: SourceReport = { source: name, dataClass: null, error: null, docs: 0, embedded: 0, relabelled: 0, unchanged: 0, deleted: 0, chunksWritten: 0, chunks: 0, skipped: [] };
    reports.push(report);
    if (!(await stat(path.join(dir, MANIFEST_FILE)).catch(() => null))) {
      report.error = `no ${MANIFEST_FILE}: not a corpus folder (skipped; its existing chunks, if any, are kept)`;
      continue;
    }
    let manifest: CorpusManifest;
    try {
      manifest = await loadManifest(dir, options.knownClasses);
    } catch (err) {
      report.error = `${(err as Error).message}\n  (the store keeps this source's last good version)`;
      continue;
    }
    report.dataClass = manifest.data_class;
    const { docs, skips } = await parseSource(dir, manifest);
    report.skipped.push(...skips);
    const existing = await existingDocs(store, manifest.id);

    const toEmbed: PlannedDoc[] = [];
    const toRelabel: PlannedDoc[] = [];
    const keep = new Set<string>();
    for (const doc of docs) {
      let labels: DocLabels;
      try {
        labels = labelDocument(manifest, doc, options.directory);
      } catch (err) {
        report.skipped.push({ path: doc.path, reason: (err as Error).message });
        keep.add(doc.docId); // a document that fails validation keeps its last good version
        continue;
      }
      const plan: PlannedDoc = { doc, labels, version: sha256(`${doc.title}\0${doc.text}`), labelKey: labelKey(labels), updatedAt: doc.updatedAt ?? new Date(0).toISOString() };
      keep.add(doc.docId);
      report.docs++;
      const prior = existing.get(doc.docId);
      if (!prior || prior.version !== plan.version) toEmbed.push(plan);
      else if (prior.labels !== plan.labelKey) toRelabel.push(plan);
      else report.unchanged++;
    }
    const removed = [...existing.keys()].filter((id) => !keep.has(id));

    if (!dryRun) {
      // Embed and commit in batches; each commit replaces whole documents.
      let done = 0;
      for (let i = 0; i < toEmbed.length; i += commitEvery) {
        const batch = toEmbed.slice(i, i + commitEvery);
        const now = new Date().toISOString();
        // Embed the whole batch's chunks together: full model batches, not one small batch per document.
        const chunked = batch.map((plan) => ({ plan, chunks: chunkDocument(plan.doc, embedder, options.chunking) }));
        const vectors = await embedder.embed(chunked.flatMap(({ plan, chunks }) => chunks.map((c) => embeddingInput(plan.doc.title, c.heading, c.text))));
        const rows: ChunkRow[] = [];
        let offset = 0;
        for (const { plan, chunks } of chunked) {
          rows.push(...rowsFor(plan, manifest.id, chunks, vectors.slice(offset, offset + chunks.length), now));
          offset += chunks.length;
        }
        await replaceDocuments(store, batch.map((p) => p.doc.docId), rows);
        done += batch.length;
        report.chunksWritten += rows.length;
        options.onProgress?.({ phase: 'embed', source: manifest.id, docsDone: done, docsTotal: toEmbed.length, chunksDone: report.chunksWritten });
      }
      if (toRelabel.length > 0) await relabelDocuments(store, toRelabel);
      if (removed.length > 0) await table.delete(`doc_id IN ${sqlStringList(removed)}`);
    }
    report.embedded = toEmbed.length;
    report.relabelled = toRelabel.length;
    report.deleted = removed.length;
    docsEmbedded += toEmbed.length;
    chunksWritten += report.chunksWritten;

    if (!dryRun) {
      report.chunks = await table.countRows(`source = ${sqlString(manifest.id)}`);
      const changed = toEmbed.length + toRelabel.length + removed.length > 0;
      const row = {
        source: manifest.id,
        title: manifest.title,
        data_class: manifest.data_class,
        owner: manifest.owner,
        acl_source: manifest.read_acl,
        max_age_days: 'max_age_days' in manifest.freshness ? manifest.freshness.max_age_days : null,
        review_by: 'review_by' in manifest.freshness ? manifest.freshness.review_by : null,
        manifest_hash: sha256(JSON.stringify(manifest)),
        doc_count: keep.size,
        chunk_count: report.chunks,
        last_ingest_at: new Date().toISOString(),
      };
      const prior = await sourcesTable.query().where(`source = ${sqlString(manifest.id)}`).toArray();
      const same = prior[0] && prior[0].manifest_hash === row.manifest_hash && prior[0].chunk_count === row.chunk_count && prior[0].doc_count === row.doc_count;
      if (changed || !same) await sourcesTable.mergeInsert('source').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([row]);
    }
  }

  // Sources whose folders are gone (only when every folder was considered).
  const removedSources: string[] = [];
  if (!options.sources && !dryRun) {
    const known = (await sourcesTable.query().select(['source']).toArray()).map((r) => String(r.source));
    for (const source of known.filter((s) => !folders.includes(s))) {
      await table.delete(`source = ${sqlString(source)}`);
      await sourcesTable.delete(`source = ${sqlString(source)}`);
      removedSources.push(source);
    }
  }
  if (!dryRun && (docsEmbedded > 0 || reports.some((r) => r.relabelled + r.deleted > 0) || removedSources.length > 0)) {
    await store.ensureChunkIndexes();
  }
  return {
    sources: reports,
    removedSources,
    docsEmbedded,
    chunksWritten,
    seconds: (performance.now() - started) / 1000,
    tableVersion: await table.version(),
    dryRun,
  };
}

/** New chunks in and the documents' old chunks out, in a single commit. */
async function replaceDocuments(store: Store, docIds: string[], rows: ChunkRow[]): Promise<void> {
  const table = await store.chunks();
  await table
    .mergeInsert('chunk_id')
    .whenMatchedUpdateAll()
    .whenNotMatchedInsertAll()
    .whenNotMatchedBySourceDelete({ where: `doc_id IN ${sqlStringList(docIds)}` })
    .execute(rows);
}

/** Label-only change: rewrite the rows with their existing vectors, no embedding. */
async function relabelDocuments(store: Store, plans: PlannedDoc[]): Promise<void> {
  const table = await store.chunks();
  const byDoc = new Map(plans.map((p) => [p.doc.docId, p]));
  const rows = await table.query().where(`doc_id IN ${sqlStringList([...byDoc.keys()])}`).toArray();
  const updated = rows.map((row) => {
    const plan = byDoc.get(row.doc_id)!;
    return {
      ...Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith('_'))),
      vector: Array.from(row.vector as Iterable<number>),
      acl_source: plan.labels.aclSource,
      acl_doc: plan.labels.aclDoc,
      data_class: plan.labels.dataClass,
      owner: plan.labels.owner,
    };
  });
  await table.mergeInsert('chunk_id').whenMatchedUpdateAll().execute(updated);
}
