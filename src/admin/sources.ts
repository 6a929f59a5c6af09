import { existsSync } from 'node:fs';
import path from 'node:path';
import type { App } from '../app/app.js';
import type { Actor } from '../governance/governance.js';
import { deleteSources, knownSources, type RemovedSource } from '../ingest/remove-sources.js';
import { WriterLease } from '../store/lease.js';
import { auditAdmin } from './record.js';
import { AdminError } from './tasks.js';

export interface SourceRemoval extends RemovedSource {
  tableVersion: number;
  /** The source's folder still exists: the next plain ingest adds it back. */
  folderRemains: boolean;
}

/**
 * `clearance sources remove <id>`: deletes one ingested source's chunks and its source row under the
 * store's writer lease (never beside a running ingest), and records who did it. An unknown id is an
 * error naming the known ones, so a typo never looks like success.
 */
export async function removeSource(app: App, source: string, actor: Actor, options: { leaseWaitMs?: number } = {}): Promise<SourceRemoval> {
  const known = await knownSources(app.store);
  if (!known.includes(source))
    throw new AdminError(`sources remove ${source}: no such ingested source (known: ${known.join(', ') || 'none'}); see \`clearance sources\``);
  const lease = await WriterLease.acquire(app.store, 'ingest', { waitMs: options.leaseWaitMs, label: 'clearance sources remove' });
  let removed: RemovedSource;
  try {
    [removed] = (await deleteSources(app.store, [source])) as [RemovedSource];
    await app.store.ensureChunkIndexes();
  } finally {
    await lease.release();
  }
  const tableVersion = await (await app.store.chunks()).version();
  await auditAdmin(app, { action: 'source.remove', target: source, actor, detail: { chunksRemoved: removed.chunksRemoved, tableVersion } });
  return { ...removed, tableVersion, folderRemains: existsSync(path.join(app.config.corporaDir, source)) };
}
