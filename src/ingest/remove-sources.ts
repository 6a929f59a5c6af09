import { chunkWhere } from '../store/permission-filter.js';
import { predicatesFor } from '../store/predicates.js';
import type { SourceColumn } from '../store/schema.js';
import type { Store } from '../store/store.js';

const sourceWhere = predicatesFor<SourceColumn>();

export interface RemovedSource {
  source: string;
  chunksRemoved: number;
}

/** Ingested sources (the store's `sources` table), sorted. */
export async function knownSources(store: Store): Promise<string[]> {
  const rows = await (await store.sources()).rows(undefined, { select: ['source'] });
  return rows.map((r) => r.source).sort();
}

/**
 * Deletes each source's chunks, then its source row, for a caller holding the writer lease. Chunks go
 * first: a crash in between leaves a source row with no chunks, which `sources` shows and a re-run removes.
 * The caller rebuilds the chunk indexes once, after all its writes.
 */
export async function deleteSources(store: Store, sources: readonly string[]): Promise<RemovedSource[]> {
  const chunks = await store.chunks();
  const table = await store.sources();
  const removed: RemovedSource[] = [];
  for (const source of sources) {
    const chunksRemoved = await chunks.count(chunkWhere.eq('source', source));
    await chunks.delete(chunkWhere.eq('source', source));
    await table.delete(sourceWhere.eq('source', source));
    removed.push({ source, chunksRemoved });
  }
  return removed;
}
