import { open } from 'node:fs/promises';
import type { CompactionOptions } from '../store/compaction.js';
import type { Store } from '../store/store.js';
import type { AuditLog } from './log.js';
import { ReplicaSegments } from './segments.js';

/**
 * Ships a replica's complete, fsync'd audit lines to the shared store every `intervalMs` and on
 * stop. The local file stays the durable record at answer time; the store copy lets auditors read
 * every replica in one place. A failed shipment is retried next time (lines are never lost, only late).
 */
export class AuditShipper {
  private timer: NodeJS.Timeout | undefined;
  private offset = 0;
  private running: Promise<void> = Promise.resolve();
  lastError: Error | null = null;

  private constructor(
    private readonly segments: ReplicaSegments,
    private readonly file: string,
    private shippedSeq: number,
  ) {}

  static async start(store: Store, log: Pick<AuditLog, 'file' | 'replicaId'>, intervalMs: number, compaction?: CompactionOptions): Promise<AuditShipper> {
    const segments = await ReplicaSegments.open(store, log.replicaId, compaction);
    const shipper = new AuditShipper(segments, log.file, await segments.shippedThrough());
    if (intervalMs > 0) {
      shipper.timer = setInterval(() => void shipper.shipNow(), intervalMs);
      shipper.timer.unref();
    }
    return shipper;
  }

  /** The last sequence number in the store's copy. */
  get shippedThrough(): number {
    return this.shippedSeq;
  }

  /** Ships what is new since the last shipment; concurrent calls queue behind each other. */
  shipNow(): Promise<void> {
    this.running = this.running.then(() => this.shipPending());
    return this.running;
  }

  private async shipPending(): Promise<void> {
    try {
      const handle = await open(this.file, 'r');
      let text: string;
      try {
        const { size } = await handle.stat();
        if (size < this.offset) this.offset = 0; // replaced by a purge: re-scan, seq filtering skips what is shipped
        const buffer = Buffer.alloc(size - this.offset);
        await handle.read(buffer, 0, buffer.length, this.offset);
        text = buffer.toString('utf8');
      } finally {
        await handle.close();
      }
      const complete = text.slice(0, text.lastIndexOf('\n') + 1);
      const lines = complete.split('\n').filter(Boolean);
      const fresh = lines.filter((line) => {
        const record = JSON.parse(line) as { seq: number; kind: string };
        return record.kind !== 'checkpoint' && record.seq > this.shippedSeq;
      });
      await this.segments.ship(fresh);
      this.offset += Buffer.byteLength(complete);
      if (fresh.length) this.shippedSeq = (JSON.parse(fresh.at(-1)!) as { seq: number }).seq;
      this.lastError = null;
    } catch (err) {
      this.lastError = err as Error;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.shipNow();
    await this.segments.compactor?.settled();
  }
}
