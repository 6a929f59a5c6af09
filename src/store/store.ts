import * as lancedb from '@lancedb/lancedb';
import { Index } from '@lancedb/lancedb';
import { DataType, type Schema } from 'apache-arrow';
import type { z } from 'zod';
import type { Config } from '../config/config.js';
import { ChunkRowSchema, chunkArrowSchema, metaArrowSchema, MetaRowSchema, sourceArrowSchema, SourceRowSchema, TABLES } from './schema.js';
import { FTS_INDEX } from './chunk-search.js';
import { Compactor, type CompactionOptions } from './compaction.js';
import { TypedTable } from './typed-table.js';
import { annQueryFor, indexConfig, indexKindOf, LEGACY_PQ_QUERY, samePlanKind, vectorIndexPlan, VECTOR_INDEX_MIN_ROWS, type AnnQuery } from './vector-index.js';

export type ChunkTable = TypedTable<typeof ChunkRowSchema>;
export type SourceTable = TypedTable<typeof SourceRowSchema>;

export class StoreError extends Error {
  override name = 'StoreError';
}

/**
 * A table written by an older Clearance lacks columns added since (e.g. `doc_author`): text columns
 * are added as '' (what a source that says nothing gives), so old stores keep answering without a
 * re-ingest. Any other missing column is an error that says how to rebuild.
 */
async function addMissingColumns(name: string, table: lancedb.Table, arrow: Schema): Promise<void> {
  const present = new Set((await table.schema()).fields.map((f) => f.name));
  const missing = arrow.fields.filter((f) => !present.has(f.name));
  if (missing.length === 0) return;
  const notText = missing.filter((f) => !DataType.isUtf8(f.type));
  if (notText.length > 0)
    throw new StoreError(
      `table "${name}" lacks column(s) ${notText.map((f) => f.name).join(', ')} that this version cannot fill in. Ingest into a new store (a new CLEARANCE_HOME or storeUri).`,
    );
  try {
    await table.addColumns(missing.map((f) => ({ name: f.name, valueSql: "''" })));
  } catch (err) {
    // Another process added them first.
    if (!/already exists|duplicate/i.test((err as Error).message)) throw err;
  }
}

/**
 * The LanceDB store: one connection, the three tables Clearance owns, and their indexes.
 * Works on a local folder or any LanceDB URI (s3://, gs://, az://) with storage options from config.
 */
export class Store {
  private constructor(
    readonly uri: string,
    readonly db: lancedb.Connection,
  ) {}

  static async open(config: Pick<Config, 'storeUri' | 'storageOptions' | 'readConsistencySeconds'>): Promise<Store> {
    try {
      const db = await lancedb.connect(config.storeUri, {
        storageOptions: config.storageOptions,
        readConsistencyInterval: config.readConsistencySeconds,
      });
      return new Store(config.storeUri, db);
    } catch (err) {
      throw new StoreError(`cannot open the store at ${config.storeUri}: ${(err as Error).message}`);
    }
  }

  /**
   * Opens a table by name, or null if it does not exist. Probing with openTable rather than listing
   * table names: some S3-compatible stores answer prefix listings incompletely.
   */
  async tryOpen(name: string): Promise<lancedb.Table | null> {
    try {
      return await this.db.openTable(name);
    } catch (err) {
      if (/not found|does not exist|was not found/i.test((err as Error).message)) return null;
      throw new StoreError(`cannot read table "${name}" in the store at ${this.uri}: ${(err as Error).message}`);
    }
  }

  async hasTable(name: string): Promise<boolean> {
    return (await this.tryOpen(name)) !== null;
  }

  /** Opens a table, creating it empty with `schema` if it does not exist yet. */
  async openOrCreate(name: string, schema: Schema): Promise<lancedb.Table> {
    const existing = await this.tryOpen(name);
    if (existing) return existing;
    try {
      return await this.db.createEmptyTable(name, schema, { mode: 'create', existOk: true });
    } catch {
      // Another process created it between our check and our create.
      return this.db.openTable(name);
    }
  }

  /** Opens an existing table, or throws a clear error telling the admin to ingest first. */
  async openExisting(name: string): Promise<lancedb.Table> {
    const table = await this.tryOpen(name);
    if (!table) throw new StoreError(`the store at ${this.uri} has no "${name}" table yet. Run \`clearance ingest\` first.`);
    return table;
  }

  /**
   * The chunks and sources tables, opened once per connection: a handle follows new versions by the
   * connection's read-consistency interval, and on object storage each open costs a round trip.
   */
  chunks(): Promise<ChunkTable> {
    return this.cached(TABLES.chunks, chunkArrowSchema, ChunkRowSchema);
  }

  sources(): Promise<SourceTable> {
    return this.cached(TABLES.sources, sourceArrowSchema, SourceRowSchema);
  }

  /** A table with its row schema, created empty if it does not exist yet (and brought up to `arrow` if older). */
  async typed<S extends z.ZodObject>(name: string, arrow: Schema, rows: S): Promise<TypedTable<S>> {
    const table = await this.openOrCreate(name, arrow);
    await addMissingColumns(name, table, arrow);
    return new TypedTable(name, table, rows);
  }

  /** Compacts table `name` every few commits, on a handle of its own (see Compactor). */
  compactor(name: string, options: CompactionOptions): Compactor {
    return new Compactor(name, () => this.tryOpen(name), options);
  }

  /** An existing table with its row schema, or null. */
  async tryTyped<S extends z.ZodObject>(name: string, rows: S): Promise<TypedTable<S> | null> {
    const table = await this.tryOpen(name);
    return table ? new TypedTable(name, table, rows) : null;
  }

  private readonly handles = new Map<string, Promise<TypedTable<z.ZodObject>>>();

  private cached<S extends z.ZodObject>(name: string, arrow: Schema, rows: S): Promise<TypedTable<S>> {
    let handle = this.handles.get(name);
    if (!handle) {
      handle = this.typed(name, arrow, rows);
      // A failed open is not remembered: the next call tries again.
      handle.catch(() => this.handles.delete(name));
      this.handles.set(name, handle);
    }
    return handle as Promise<TypedTable<S>>;
  }

  private ann: { version: number; query: AnnQuery } | null = null;

  /** How to query the vector index at chunks-table `version`: the settings follow the table's size and index (read once per version). */
  async annQuery(version: number): Promise<AnnQuery> {
    if (this.ann?.version !== version) {
      const table = await this.chunks();
      const [rows, index] = await Promise.all([table.count(), this.vectorIndexType()]);
      const legacy = index !== null && indexKindOf(index) === 'ivfpq';
      this.ann = { version, query: { ...annQueryFor(rows), ...(legacy ? LEGACY_PQ_QUERY : {}) } };
    }
    return this.ann.query;
  }

  /** LanceDB's type of the chunks table's vector index, or null when there is none. */
  async vectorIndexType(): Promise<string | null> {
    const indices = await (await this.chunks()).raw.listIndices();
    return indices.find((index) => index.columns.join(',') === 'vector')?.indexType ?? null;
  }

  /** True when the chunks table is large enough for a vector index and lacks the one this version builds (an older store, or one that grew past the threshold). */
  async vectorIndexOutdated(): Promise<boolean> {
    const rows = await (await this.chunks()).count();
    if (rows < VECTOR_INDEX_MIN_ROWS) return false;
    const index = await this.vectorIndexType();
    return index === null || !samePlanKind(index, vectorIndexPlan(rows));
  }

  async readMeta(): Promise<Map<string, string>> {
    const table = await this.tryTyped(TABLES.meta, MetaRowSchema);
    if (!table) return new Map();
    return new Map((await table.rows()).map((row) => [row.key, row.value]));
  }

  async writeMeta(entries: Record<string, string>): Promise<void> {
    const table = await this.typed(TABLES.meta, metaArrowSchema, MetaRowSchema);
    await table.upsert(
      'key',
      Object.entries(entries).map(([key, value]) => ({ key, value })),
    );
  }

  /**
   * Full-text index on text, scalar indexes on the label columns, and a vector index once the table is
   * large enough to train one. Safe to call after every ingest: it rebuilds indexes to cover new rows.
   */
  async ensureChunkIndexes(): Promise<void> {
    const table = (await this.chunks()).raw;
    const rows = await table.countRows();
    if (rows === 0) return;
    const existing = new Set((await table.listIndices()).map((index) => index.columns.join(',')));
    await table.createIndex('text', { config: Index.fts(FTS_INDEX), replace: true });
    for (const column of ['source', 'data_class']) {
      if (!existing.has(column)) await table.createIndex(column, { config: Index.bitmap() });
    }
    for (const column of ['doc_id', 'chunk_id']) {
      if (!existing.has(column)) await table.createIndex(column, { config: Index.btree() });
    }
    for (const column of ['acl_source', 'acl_doc']) {
      if (!existing.has(column)) await table.createIndex(column, { config: Index.labelList() });
    }
    if (rows >= VECTOR_INDEX_MIN_ROWS) await table.createIndex('vector', { config: indexConfig(vectorIndexPlan(rows)), replace: true });
    await table.optimize();
  }

  close(): void {
    this.db.close();
  }
}
