import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Embedder } from '../embed/embedder.js';
import { assertStoreModel } from '../embed/model-guard.js';
import { DEFAULT_SECRETS_MODE, type SecretsMode } from '../labels/secrets.js';
import { WriterLease } from '../store/lease.js';
import { chunkWhere } from '../store/permission-filter.js';
import { predicatesFor } from '../store/predicates.js';
import type { SourceColumn, SourceRow } from '../store/schema.js';
import type { ChunkTable, SourceTable, Store } from '../store/store.js';
import type { ChunkOptions } from './chunker.js';
import { DocFindingsSchema } from './dlp/finding.js';
import type { ReaderDirectory } from './labels.js';
import { assertKnownPrincipals, loadManifest, MANIFEST_FILE, type CorpusManifest } from './manifest.js';
import { parseSource } from './parse/index.js';
import type { PullContext } from './sources/source.js';
import { deleteSources, knownSources } from './remove-sources.js';
import { planSource, sha256, type PlannedDoc, type SourcePlan } from './plan.js';
import { commitDocuments, embedDocuments, relabelledRows } from './writer.js';

const sourceWhere = predicatesFor<SourceColumn>();

/** One document's change, as the audit log records it: what changed and the labels it now carries. */
export const DocChangeSchema = z.object({
  doc: z.string(),
  change: z.enum(['embedded', 'relabelled', 'deleted']),
  dataClass: z.string().nullable(),
  readAcl: z.array(z.string()).nullable(),
});
export type DocChange = z.infer<typeof DocChangeSchema>;

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
  /** Secrets and card numbers found (kind, rule, span; never the value) and the class's mode for them. */
  secrets: z.array(DocFindingsSchema),
  changes: z.array(DocChangeSchema),
});
export type SourceReport = z.infer<typeof SourceReportSchema>;

export const IngestReportSchema = z.object({
  sources: z.array(SourceReportSchema),
  /** Ingested sources whose folder is gone, kept in the store (removed only with `removeMissing`). */
  missingSources: z.array(z.string()),
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
  /** Each class's secrets mode (default: redact everywhere). */
  secretsMode?: (dataClass: string) => SecretsMode;
  sources?: string[];
  dryRun?: boolean;
  /** Documents per store commit: each commit replaces whole documents atomically. */
  commitEvery?: number;
  /** Chunk sizes (default: ~180 tokens with 40 overlap); a huge target gives one chunk per document. */
  chunking?: ChunkOptions;
  onProgress?: (progress: IngestProgress) => void;
  /** What sources beyond a folder need (the store's object-store options, a cache for git clones). */
  pull?: PullContext;
  /** How long to queue behind another ingest holding the store's writer lease (default: fail at once). */
  leaseWaitMs?: number;
  /**
   * Delete ingested sources whose folder is gone (a pass over every folder only). Off by default: a
   * folder missing by mistake (an unmounted share, a bad checkout) must not silently empty the store.
   */
  removeMissing?: boolean;
}

/**
 * Brings the store in line with the corpora, under the store's writer lease (one ingest at a time per
 * store, whichever machine runs it). Unchanged documents cost nothing; changed documents replace
 * their chunks in one commit; label-only changes keep their vectors; removed documents are deleted; sources
 * whose folder is gone are reported, and deleted only with `removeMissing`. A crash between commits leaves every document either fully old or fully new, and a
 * re-run finishes the job. A source that fails is reported and never stops the others.
 */
export async function ingestAll(options: IngestOptions): Promise<IngestReport> {
  if (options.dryRun) return ingestUnderLease(options);
  const lease = await WriterLease.acquire(options.store, 'ingest', { waitMs: options.leaseWaitMs, label: 'clearance ingest' });
  try {
    return await ingestUnderLease(options);
  } finally {
    await lease.release();
  }
}

interface Tables {
  chunks: ChunkTable;
  sources: SourceTable;
}

/** The ingest itself, for a caller that already holds the store's writer lease (the watcher holds it while it runs). */
export async function ingestUnderLease(options: IngestOptions): Promise<IngestReport> {
  const started = performance.now();
  const dryRun = options.dryRun ?? false;
  if (!dryRun) await assertStoreModel(options.store, options.embedder, { claim: true });
  const tables: Tables = { chunks: await options.store.chunks(), sources: await options.store.sources() };
  const folders = (await readdir(options.corporaDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const selected = options.sources ?? folders;
  for (const name of selected) {
    if (!folders.includes(name)) throw new Error(`--source ${name}: no folder ${path.join(options.corporaDir, name)}`);
  }

  const reports: SourceReport[] = [];
  for (const name of selected) {
    const report: SourceReport = {
      source: name,
      dataClass: null,
      error: null,
      docs: 0,
      embedded: 0,
      relabelled: 0,
      unchanged: 0,
      deleted: 0,
      chunksWritten: 0,
      chunks: 0,
      skipped: [],
      secrets: [],
      changes: [],
    };
    reports.push(report);
    try {
      await ingestSource(options, tables, path.join(options.corporaDir, name), report, dryRun);
    } catch (err) {
      // Named by the report's source; the store keeps this source's last good version.
      report.error = err instanceof Error ? err.message : String(err);
    }
  }
  const missing = options.sources ? [] : (await knownSources(options.store)).filter((s) => !folders.includes(s));
  const removedSources = options.removeMissing && !dryRun ? (await deleteSources(options.store, missing)).map((r) => r.source) : [];
  const docsEmbedded = reports.reduce((n, r) => n + r.embedded, 0);
  const changed = docsEmbedded > 0 || reports.some((r) => r.relabelled + r.deleted > 0) || removedSources.length > 0;
  // A store indexed by an older version is re-indexed by the next ingest, even one with nothing to embed.
  if (!dryRun && (changed || (await options.store.vectorIndexOutdated()))) await options.store.ensureChunkIndexes();
  return {
    sources: reports,
    missingSources: missing.filter((s) => !removedSources.includes(s)),
    removedSources,
    docsEmbedded,
    chunksWritten: reports.reduce((n, r) => n + r.chunksWritten, 0),
    seconds: (performance.now() - started) / 1000,
    tableVersion: await tables.chunks.version(),
    dryRun,
  };
}

async function ingestSource(options: IngestOptions, tables: Tables, dir: string, report: SourceReport, dryRun: boolean): Promise<void> {
  if (!(await stat(path.join(dir, MANIFEST_FILE)).catch(() => null))) {
    report.error = `no ${MANIFEST_FILE}: not a corpus folder (skipped; its existing chunks, if any, are kept)`;
    return;
  }
  const manifest = await loadManifest(dir, options.knownClasses);
  assertKnownPrincipals(dir, manifest, options.directory);
  report.dataClass = manifest.data_class;
  const { docs, skips } = await parseSource(dir, manifest, options.pull);
  const plan = await planSource(tables.chunks, manifest, docs, options.directory, options.secretsMode ?? (() => DEFAULT_SECRETS_MODE));
  report.skipped.push(...skips, ...plan.skips);
  report.secrets = plan.secrets;
  report.docs = plan.toEmbed.length + plan.toRelabel.length + plan.unchanged;
  report.unchanged = plan.unchanged;
  report.embedded = plan.toEmbed.length;
  report.relabelled = plan.toRelabel.length;
  report.deleted = plan.removed.length;
  const change = (kind: DocChange['change']) => (p: PlannedDoc) => ({
    doc: p.doc.docId,
    change: kind,
    dataClass: p.labels.dataClass,
    readAcl: p.labels.aclDoc,
  });
  report.changes = [
    ...plan.toEmbed.map(change('embedded')),
    ...plan.toRelabel.map(change('relabelled')),
    ...plan.removed.map((doc) => ({ doc, change: 'deleted' as const, dataClass: null, readAcl: null })),
  ];
  if (dryRun) return;
  await applyPlan(options, tables.chunks, manifest.id, plan, report);
  report.chunks = await tables.chunks.count(chunkWhere.eq('source', manifest.id));
  await writeSourceRow(tables.sources, manifest, plan, report);
}

/**
 * Every label change and deletion lands in ONE first commit, before any other embedding: a narrowing
 * (of one file or of a whole corpus.yaml) is never late. A document whose content and labels both
 * change is embedded into that same commit: its old text never outlives its old labels.
 */
async function applyPlan(options: IngestOptions, table: ChunkTable, source: string, plan: SourcePlan, report: SourceReport): Promise<void> {
  const relabelledEmbeds = plan.toEmbed.filter((p) => plan.relabelledEmbeds.has(p.doc.docId));
  const contentOnly = plan.toEmbed.filter((p) => !plan.relabelledEmbeds.has(p.doc.docId));
  const progress = (docsDone: number) =>
    options.onProgress?.({ phase: 'embed', source, docsDone, docsTotal: plan.toEmbed.length, chunksDone: report.chunksWritten });
  if (plan.toEmbed.length > 0) progress(0);
  if (plan.toRelabel.length + relabelledEmbeds.length + plan.removed.length > 0) {
    let failure: unknown;
    const embedded =
      relabelledEmbeds.length > 0
        ? await embedDocuments(options.embedder, source, relabelledEmbeds, options.chunking).catch((err: unknown) => ((failure = err), []))
        : [];
    // If embedding failed, the relabelled documents' old chunks are deleted (fail closed), never left on their old labels.
    const touched = chunkWhere.in('doc_id', [...plan.toRelabel, ...relabelledEmbeds].map((p) => p.doc.docId).concat(plan.removed));
    const rows = [...(await relabelledRows(table, plan.toRelabel)), ...embedded];
    if (rows.length > 0) await table.replace('chunk_id', rows, touched);
    else await table.delete(touched);
    if (failure) throw failure;
    report.chunksWritten += embedded.length;
    if (relabelledEmbeds.length > 0) progress(relabelledEmbeds.length);
  }
  const commitEvery = options.commitEvery ?? 16;
  // The next batch is embedded while the previous one commits: the model and LanceDB overlap.
  let committing: Promise<void> = Promise.resolve();
  try {
    for (let i = 0; i < contentOnly.length; i += commitEvery) {
      const batch = contentOnly.slice(i, i + commitEvery);
      const rows = await embedDocuments(options.embedder, source, batch, options.chunking);
      await committing;
      const docsDone = relabelledEmbeds.length + Math.min(i + commitEvery, contentOnly.length);
      committing = commitDocuments(
        table,
        batch.map((p) => p.doc.docId),
        rows,
      ).then((written) => {
        report.chunksWritten += written;
        progress(docsDone);
      });
      // Handled here so a failing commit is not an unhandled rejection while the next batch embeds;
      // the error itself surfaces at the next `await committing`.
      committing.catch(() => undefined);
    }
  } finally {
    await committing;
  }
}

async function writeSourceRow(table: SourceTable, manifest: CorpusManifest, plan: SourcePlan, report: SourceReport): Promise<void> {
  const row: SourceRow = {
    source: manifest.id,
    title: manifest.title,
    data_class: manifest.data_class,
    owner: manifest.owner,
    acl_source: manifest.read_acl,
    max_age_days: 'max_age_days' in manifest.freshness ? manifest.freshness.max_age_days : null,
    review_by: 'review_by' in manifest.freshness ? manifest.freshness.review_by : null,
    manifest_hash: sha256(JSON.stringify(manifest)),
    doc_count: plan.keep.size,
    chunk_count: report.chunks,
    last_ingest_at: new Date().toISOString(),
  };
  const changed = plan.toEmbed.length + plan.toRelabel.length + plan.removed.length > 0;
  const [prior] = await table.rows(sourceWhere.eq('source', manifest.id));
  const same = prior && prior.manifest_hash === row.manifest_hash && prior.chunk_count === row.chunk_count && prior.doc_count === row.doc_count;
  if (changed || !same) await table.upsert('source', [row]);
}
