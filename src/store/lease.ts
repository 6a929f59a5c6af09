import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Field, Int32, Schema, Utf8 } from 'apache-arrow';
import { z } from 'zod';
import { predicatesFor } from './predicates.js';
import type { TypedTable } from './typed-table.js';
import type { Compactor } from './compaction.js';
import type { Store } from './store.js';
import { processAlive } from '../os/process-alive.js';

/**
 * One writer at a time: a named lease row in the store. Taking it is a conditional mergeInsert, which
 * is only safe between concurrent writers on storage with conditional writes (local disk, S3, GCS,
 * Azure, MinIO); see docs/deployment.md. A lease expires unless renewed, and a holder on this host
 * whose process is gone is taken over at once (a killed ingest does not block the next one).
 */
export const LeaseRowSchema = z.object({
  name: z.string(),
  holder: z.string(),
  host: z.string(),
  pid: z.number().int(),
  acquired_at: z.string(),
  expires_at: z.string(),
});
export type LeaseRow = z.infer<typeof LeaseRowSchema>;

const leaseArrowSchema = new Schema([
  ...['name', 'holder', 'host'].map((n) => new Field(n, new Utf8(), false)),
  new Field('pid', new Int32(), false),
  ...['acquired_at', 'expires_at'].map((n) => new Field(n, new Utf8(), false)),
]);

const LEASE_TABLE = 'store_leases';
const where = predicatesFor<keyof LeaseRow>();
type LeaseTable = TypedTable<typeof LeaseRowSchema>;
const TTL_MS = 60_000;
const POLL_MS = 500;
/** Every take, renewal and release is a commit (a watching ingest renews every 20 s): compacted past this many fragments. */
const LEASE_TABLE_MAX_FRAGMENTS = 8;

export class LeaseHeldError extends Error {
  override name = 'LeaseHeldError';
}

export function describeHolder(row: LeaseRow): string {
  return `${row.holder} (pid ${row.pid} on ${row.host}, since ${row.acquired_at}, lease until ${row.expires_at})`;
}

export class WriterLease {
  private renewTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly table: LeaseTable,
    private readonly compactor: Compactor,
    readonly row: LeaseRow,
  ) {}

  /** Takes the lease, waiting up to `waitMs` for the current holder; else fails naming the holder. */
  static async acquire(store: Store, name: string, options: { waitMs?: number; label?: string } = {}): Promise<WriterLease> {
    const table = await store.typed(LEASE_TABLE, leaseArrowSchema, LeaseRowSchema);
    const deadline = Date.now() + (options.waitMs ?? 0);
    const mine = (): LeaseRow => {
      const now = Date.now();
      return {
        name,
        holder: `${options.label ?? name}:${randomUUID().slice(0, 8)}`,
        host: hostname(),
        pid: process.pid,
        acquired_at: new Date(now).toISOString(),
        expires_at: new Date(now + TTL_MS).toISOString(),
      };
    };
    for (;;) {
      const current = await read(table, name);
      const free = !current || Date.parse(current.expires_at) < Date.now() || (current.host === hostname() && !processAlive(current.pid));
      if (free) {
        const row = mine();
        // Replace only the holder we saw (or insert if there was none): a concurrent taker wins once.
        await table.upsertIf('name', row, where.targetEq('holder', current?.holder ?? ''));
        const after = await read(table, name);
        if (after?.holder === row.holder) {
          const lease = new WriterLease(table, store.compactor(LEASE_TABLE, { everyCommits: LEASE_TABLE_MAX_FRAGMENTS }), row);
          lease.renewTimer = setInterval(() => void lease.renew(), TTL_MS / 3);
          lease.renewTimer.unref();
          return lease;
        }
        continue;
      }
      if (Date.now() >= deadline) {
        throw new LeaseHeldError(
          `another ${name} holds the store's writer lease: ${describeHolder(current)}. Wait for it to finish, or pass --wait <duration> to queue behind it.`,
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private async renew(): Promise<void> {
    await this.table.update(this.mine(), { expires_at: new Date(Date.now() + TTL_MS).toISOString() });
    await this.compactor.compactIfFragmented();
  }

  async release(): Promise<void> {
    clearInterval(this.renewTimer);
    await this.table.delete(this.mine());
    await this.compactor.compactIfFragmented();
  }

  private mine() {
    return where.and(where.eq('name', this.row.name), where.eq('holder', this.row.holder));
  }
}

async function read(table: LeaseTable, name: string): Promise<LeaseRow | null> {
  const [row] = await table.rows(where.eq('name', name), { latest: true });
  return row ?? null;
}
