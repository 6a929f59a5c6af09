import type { SourceRow } from '../store/schema.js';
import type { Store } from '../store/store.js';

/**
 * The ingested sources (titles, owners, freshness, source ACLs), read again whenever the sources
 * table has a new version: one instance per store, never module state.
 */
export class SourceCatalog {
  private cached: { version: number; rows: Map<string, SourceRow> } | null = null;

  constructor(private readonly store: Store) {}

  async all(): Promise<Map<string, SourceRow>> {
    const table = await this.store.sources();
    const version = await table.version();
    if (this.cached?.version !== version) {
      const rows = await table.rows();
      this.cached = { version, rows: new Map(rows.map((row) => [row.source, row])) };
    }
    return this.cached.rows;
  }
}
