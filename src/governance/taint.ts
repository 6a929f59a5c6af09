import { Field, List, Schema, Utf8 } from 'apache-arrow';
import { z } from 'zod';
import type { Passage } from '../labels/provenance.js';
import type { CompactionOptions, Compactor } from '../store/compaction.js';
import { predicatesFor } from '../store/predicates.js';
import type { Store } from '../store/store.js';
import type { TypedTable } from '../store/typed-table.js';
import { shingleHashes, type ReceivedChunk } from './release.js';

/**
 * What a task has received, kept in the store: shared by every session, process and replica of the
 * task and surviving restarts, so `check_release` and `session_info` cannot be reset by reconnecting.
 * Only labels and shingle hashes are kept, never the text.
 */
export const ReceivedRowSchema = z.object({
  task_id: z.string(),
  chunk_hash: z.string(),
  data_class: z.string(),
  source: z.string(),
  doc_id: z.string(),
  shingles: z.array(z.string()),
  run_id: z.string(),
  received_at: z.string(),
});
export type ReceivedRow = z.infer<typeof ReceivedRowSchema>;

const text = (name: string) => new Field(name, new Utf8(), false);
const receivedArrowSchema = new Schema([
  ...['task_id', 'chunk_hash', 'data_class', 'source', 'doc_id'].map(text),
  new Field('shingles', new List(new Field('item', new Utf8(), true)), false),
  text('run_id'),
  text('received_at'),
]);
const where = predicatesFor<keyof ReceivedRow>();
export const TAINT_TABLE = 'gov_received';

export interface TaskTaint {
  classes: string[];
  sources: string[];
  chunks: ReceivedChunk[];
}

export class TaintStore {
  private constructor(
    private readonly table: TypedTable<typeof ReceivedRowSchema>,
    /** Every search commits here: compacted every few commits, with an index on `task_id` for `ofTask`. */
    readonly compactor: Compactor,
  ) {}

  static async open(store: Store, compaction: CompactionOptions): Promise<TaintStore> {
    const table = await store.typed(TAINT_TABLE, receivedArrowSchema, ReceivedRowSchema);
    return new TaintStore(table, store.compactor(TAINT_TABLE, { ...compaction, indexColumns: ['task_id'] }));
  }

  /** Records passages a task received (one row per task and chunk; a chunk received again is not re-added). */
  async record(taskId: string, runId: string, passages: Passage[]): Promise<void> {
    if (passages.length === 0) return;
    const now = new Date().toISOString();
    const rows = [...new Map(passages.map((p) => [p.provenance.chunk_hash, p])).values()].map((p) => ({
      task_id: taskId,
      chunk_hash: p.provenance.chunk_hash,
      data_class: p.provenance.data_class,
      source: p.provenance.source,
      doc_id: p.provenance.doc_id,
      shingles: shingleHashes(p.text),
      run_id: runId,
      received_at: now,
    }));
    await this.table.insertNew(['task_id', 'chunk_hash'], rows);
    this.compactor.committed();
  }

  async ofTask(taskId: string): Promise<TaskTaint> {
    const rows = await this.table.rows(where.eq('task_id', taskId), { latest: true });
    return {
      classes: [...new Set(rows.map((r) => r.data_class))].sort(),
      sources: [...new Set(rows.map((r) => r.source))].sort(),
      chunks: rows.map((r) => ({ data_class: r.data_class, doc_id: r.doc_id, chunk_hash: r.chunk_hash, shingles: r.shingles })),
    };
  }
}
