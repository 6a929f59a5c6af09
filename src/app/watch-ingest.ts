import { readdir } from 'node:fs/promises';
import { auditAdmin, osActor } from '../admin/record.js';
import type { IngestProgress, IngestReport } from '../ingest/ingest.js';
import { watchCorpora, type ChangedSources, type CorporaWatcher } from '../ingest/watch.js';
import { WriterLease } from '../store/lease.js';
import type { App } from './app.js';
import { ingestCorporaUnderLease } from './ingest.js';

export interface WatchIngestOptions {
  debounceMs: number;
  /** How long to queue behind another ingest holding the writer lease before watching starts. */
  leaseWaitMs?: number;
  onProgress?: (progress: IngestProgress) => void;
  /** Each applied batch's report (source errors and skipped files are in it, as for `clearance ingest`). */
  onReport?: (report: IngestReport) => void;
  /** A batch that failed as a whole (e.g. the store was unreachable); the watcher goes on. */
  onError: (err: unknown) => void;
}

/**
 * Keeps the store in line with the corpora folder: holds the store's writer lease while it runs (one
 * writer per store) and applies each debounced batch of file changes as an incremental ingest of the
 * sources it touched, recording every changed document and its labels in the audit log.
 */
export async function watchAndIngest(app: App, options: WatchIngestOptions): Promise<CorporaWatcher> {
  const lease = await WriterLease.acquire(app.store, 'ingest', { waitMs: options.leaseWaitMs, label: 'clearance ingest --watch' });
  const apply = async (changed: ChangedSources) => {
    const folders = (await readdir(app.config.corporaDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    // Deleting a source's folder while watching is the change itself: a pass over every folder removes it.
    const sources = changed === 'all' || [...changed].some((s) => !folders.includes(s)) ? undefined : [...changed].sort();
    const report = await ingestCorporaUnderLease(app, { sources, removeMissing: true, onProgress: options.onProgress });
    await auditWatchedIngest(app, report, sources?.join(',') ?? 'all');
    options.onReport?.(report);
  };
  try {
    const watcher = await watchCorpora(app.config.corporaDir, { debounceMs: options.debounceMs, onChange: apply, onError: options.onError });
    return {
      async close() {
        await watcher.close();
        await lease.release();
      },
    };
  } catch (err) {
    await lease.release();
    throw err;
  }
}

/** One audit event per applied batch that changed something: who (the OS user), each document's change, its labels. */
async function auditWatchedIngest(app: App, report: IngestReport, target: string): Promise<void> {
  const changes = report.sources.flatMap((s) => s.changes.map((c) => ({ source: s.source, ...c })));
  if (changes.length === 0 && report.removedSources.length === 0) return;
  await auditAdmin(app, {
    action: 'ingest',
    target,
    actor: osActor(),
    detail: {
      watch: true,
      changes,
      removedSources: report.removedSources,
      docsEmbedded: report.docsEmbedded,
      chunksWritten: report.chunksWritten,
      tableVersion: report.tableVersion,
      policyVersion: app.policy().version,
    },
  });
}
