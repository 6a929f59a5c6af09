import type { Table } from '@lancedb/lancedb';
import type { z } from 'zod';
import type { Predicate } from './predicates.js';
import { parseRows } from './rows.js';

type Row<S extends z.ZodObject> = z.infer<S>;
export type ColumnOf<S extends z.ZodObject> = Extract<keyof z.infer<S>, string>;

/**
 * One LanceDB table with its zod row schema: every row read is parsed once, and every predicate is a
 * typed `Predicate` over this table's columns (never a string made elsewhere).
 */
export class TypedTable<S extends z.ZodObject> {
  /**
   * Writes through one handle commit one at a time. Concurrent commits from one process only race each
   * other, and on object stores without conditional writes (plain s3rver, some S3-compatibles) such a race
   * can tear a manifest read or lose a commit.
   */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly raw: Table,
    private readonly schema: S,
  ) {}

  private serially<T>(write: () => Promise<T>): Promise<T> {
    const next = this.writes.then(write, write);
    this.writes = next.catch(() => undefined);
    return next;
  }

  /** Rows matching `where` (all rows without it), parsed; `select` parses only those columns. */
  async rows<K extends ColumnOf<S>>(
    where?: Predicate<ColumnOf<S>>,
    options: { select?: readonly K[]; limit?: number; latest?: boolean } = {},
  ): Promise<(Pick<Row<S>, K> & Partial<Row<S>>)[]> {
    if (options.latest) await this.raw.checkoutLatest();
    let query = this.raw.query();
    if (where) query = query.where(where);
    if (options.select) query = query.select([...options.select]);
    if (options.limit !== undefined) query = query.limit(options.limit);
    const schema = options.select ? this.schema.pick(Object.fromEntries(options.select.map((k) => [k, true])) as never) : this.schema;
    return parseRows(schema, await query.toArray(), this.name) as never;
  }

  async count(where?: Predicate<ColumnOf<S>>): Promise<number> {
    return this.raw.countRows(where);
  }

  async add(rows: Row<S>[]): Promise<void> {
    if (rows.length > 0) await this.serially(() => this.raw.add(rows as Record<string, unknown>[]));
  }

  async update(where: Predicate<ColumnOf<S>>, values: Partial<Row<S>>): Promise<void> {
    await this.serially(() => this.raw.update({ where, values: values as Record<string, string> }));
  }

  async delete(where: Predicate<ColumnOf<S>>): Promise<void> {
    await this.serially(() => this.raw.delete(where));
  }

  /** Insert or replace rows by a key column. */
  async upsert(key: ColumnOf<S>, rows: Row<S>[]): Promise<void> {
    if (rows.length > 0)
      await this.serially(() =>
        this.raw
          .mergeInsert(key)
          .whenMatchedUpdateAll()
          .whenNotMatchedInsertAll()
          .execute(rows as Record<string, unknown>[]),
      );
  }

  /**
   * Insert or replace rows by a key column, and delete the rows matching `replacing` that the new
   * rows do not cover, in ONE commit (a document's old chunks go in the same commit as its new ones).
   */
  async replace(key: ColumnOf<S>, rows: Row<S>[], replacing: Predicate<ColumnOf<S>>): Promise<void> {
    await this.serially(() =>
      this.raw
        .mergeInsert(key)
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .whenNotMatchedBySourceDelete({ where: replacing })
        .execute(rows as Record<string, unknown>[]),
    );
  }

  /** Insert the rows whose key is not in the table yet; existing rows are left as they are. */
  async insertNew(key: ColumnOf<S>[], rows: Row<S>[]): Promise<void> {
    if (rows.length > 0)
      await this.serially(() =>
        this.raw
          .mergeInsert(key)
          .whenNotMatchedInsertAll()
          .execute(rows as Record<string, unknown>[]),
      );
  }

  /** Insert `row`, or replace the existing row with the same key only where `onlyIf` holds (compare-and-swap). */
  async upsertIf(key: ColumnOf<S>, row: Row<S>, onlyIf: Predicate<ColumnOf<S>>): Promise<void> {
    await this.serially(() =>
      this.raw
        .mergeInsert(key)
        .whenMatchedUpdateAll({ where: onlyIf })
        .whenNotMatchedInsertAll()
        .execute([row as Record<string, unknown>]),
    );
  }

  version(): Promise<number> {
    return this.raw.version();
  }

  checkoutLatest(): Promise<void> {
    return this.raw.checkoutLatest();
  }
}
