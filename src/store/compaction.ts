import { Index, type Table } from '@lancedb/lancedb';

/**
 * How a table that takes one commit per call (received chunks, audit segments) is kept small. Every
 * commit adds a fragment and a manifest that lists all fragments, so without compaction each call
 * reads more files and the folder grows quadratically (a store after ~5,000 calls: 3,341 fragments,
 * 946 MB, 2 s per read of one task's rows; 166 ms after one compaction).
 */
export interface CompactionOptions {
  /** Compact after this many commits made through this process (each process counts its own). */
  everyCommits: number;
  /** Versions older than this are dropped at each compaction; the current one never is. */
  keepVersionsMs?: number;
  /** Columns that get a BTree index at the first compaction (then kept up to date by each one). */
  indexColumns?: readonly string[];
  /** Told of a failed compaction; the table stays as it was and the next one tries again. */
  onError?: (table: string, err: Error) => void;
  now?: () => number;
}

/**
 * Long enough for any read in progress to finish on the version it started from: readers of these
 * tables check out the latest version before each read, and a read takes well under a second.
 */
export const KEEP_VERSIONS_MS = 10 * 60_000;

/** LanceDB's words for a commit that lost to a concurrent, incompatible one (two replicas compacting at once). */
const PREEMPTED = /Retryable commit conflict|preempted by concurrent transaction/;

/**
 * Compacts one table in the background after every `everyCommits` commits, on a handle of its own,
 * so a call never waits for it. Compaction rewrites fragments and commits like any writer: on storage
 * with conditional writes (local disk, S3, MinIO, the local S3 server) a concurrent insert from
 * another process conflicts with it only by version number, and LanceDB rebases one onto the other
 * (both insert-only writes and compaction touch no fragment the other rewrites), so no row is lost.
 * Two replicas compacting at once: one commit loses, and the next compaction tries again.
 *
 * Dropping versions is safe for readers because they check out the latest version before each read,
 * and a version a reader holds is only dropped once older than `keepVersionsMs`; while it is the
 * newest, the next commit (a recent one, so kept) still references its files, unless that commit is a
 * compaction started more than `keepVersionsMs` after the commit that triggered it.
 */
export class Compactor {
  private commits = 0;
  private running: Promise<void> | null = null;
  lastError: Error | null = null;
  compactions = 0;
  /** Compactions that lost the commit to another process's compaction or index build (nothing to do: it did the work). */
  preempted = 0;

  constructor(
    readonly table: string,
    private readonly open: () => Promise<Table | null>,
    private readonly options: CompactionOptions,
  ) {}

  /** Counts one commit; every `everyCommits` starts a compaction unless one is still running. */
  committed(): void {
    this.commits += 1;
    if (this.commits < this.options.everyCommits || this.running) return;
    this.commits = 0;
    this.running = this.compactNow().finally(() => (this.running = null));
  }

  /** Compacts now; never throws (a failure is kept in `lastError` and reported). */
  compactNow(): Promise<void> {
    return this.guarded((table) => this.compact(table));
  }

  /**
   * For tables written by short-lived processes (the CLI), whose commit counts never add up: compacts
   * now when the table holds more than `everyCommits` fragments. Never throws.
   */
  compactIfFragmented(): Promise<void> {
    return this.guarded(async (table) => {
      if ((await table.stats()).fragmentStats.numFragments > this.options.everyCommits) await this.compact(table);
    });
  }

  /** Resolves once no compaction is running (shutdown, tests). */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Runs `work` on a fresh handle of the table (none when it does not exist yet), keeping and reporting a failure. */
  private async guarded(work: (table: Table) => Promise<void>): Promise<void> {
    try {
      const table = await this.open();
      if (table) await work(table);
    } catch (err) {
      if (PREEMPTED.test((err as Error).message)) {
        this.preempted += 1;
        return;
      }
      this.lastError = err as Error;
      this.options.onError?.(this.table, err as Error);
    }
  }

  private async compact(table: Table): Promise<void> {
    const now = this.options.now?.() ?? Date.now();
    await table.optimize({ cleanupOlderThan: new Date(now - (this.options.keepVersionsMs ?? KEEP_VERSIONS_MS)) });
    await this.ensureIndexes(table);
    this.compactions += 1;
    this.lastError = null;
  }

  private async ensureIndexes(table: Table): Promise<void> {
    const wanted = this.options.indexColumns ?? [];
    if (wanted.length === 0 || (await table.countRows()) === 0) return;
    const indexed = new Set((await table.listIndices()).map((index) => index.columns.join(',')));
    for (const column of wanted) if (!indexed.has(column)) await table.createIndex(column, { config: Index.btree() });
  }
}
