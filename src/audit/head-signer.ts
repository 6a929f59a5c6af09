import pino from 'pino';
import { signHead, type HeadPayload } from './head.js';
import { appendHead, type AuditWitness } from './witness.js';

/**
 * How often a chain head is signed: after `everyRecords` new records or `everyMs` after the last
 * head, whichever comes first, and at close. The newest records after the last head are the only
 * ones a truncation can drop without a trace, so these bound that window (256 records / 5 s).
 */
export interface HeadCadence {
  everyRecords: number;
  everyMs: number;
}
export const DEFAULT_HEAD_CADENCE: HeadCadence = { everyRecords: 256, everyMs: 5000 };

/** Operational log (stderr): each signed head also goes here, so syslog or a log shipper holds a copy. */
export const stderrHeadLogger = (level = 'info'): pino.Logger => pino({ name: 'clearance-audit', level }, pino.destination(2));

/**
 * Signs one replica's chain head and publishes it to the witness (fsync'd) and the operational log.
 * `advanced` is all the append path pays: crypto and the witness write run off the hot path, one
 * signature per interval. A failed head is logged and retried at the next interval; it never makes
 * the audit log itself unavailable (the records are fsync'd either way).
 */
export class HeadSigner {
  private latest: { seq: number; hash: string } | null;
  private signedSeq = 0;
  private requestedSeq = 0;
  private running: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  lastError: Error | null = null;

  constructor(
    private readonly witness: AuditWitness,
    private readonly replica: string,
    private readonly cadence: HeadCadence,
    private readonly logger: pino.Logger,
    start: { seq: number; hash: string } | null,
  ) {
    // A reopened chain's current head is signed on the first tick: records a crash left unsigned.
    this.latest = start && start.seq > 0 ? start : null;
    this.timer = setInterval(() => void this.signNow(), cadence.everyMs);
    this.timer.unref();
  }

  /** The chain now ends at `seq` (fsync'd). Cheap: at most schedules one signature. */
  advanced(seq: number, hash: string): void {
    this.latest = { seq, hash };
    if (seq - Math.max(this.signedSeq, this.requestedSeq) >= this.cadence.everyRecords) {
      this.requestedSeq = seq;
      void this.signNow();
    }
  }

  /** Signs the current head if it moved since the last one; calls queue behind each other. */
  signNow(): Promise<void> {
    this.running = this.running.then(() => this.signPending());
    return this.running;
  }

  private async signPending(): Promise<void> {
    const latest = this.latest;
    if (!latest || latest.seq <= this.signedSeq) return;
    const head: HeadPayload = { replica: this.replica, seq: latest.seq, hash: latest.hash, ts: new Date().toISOString() };
    try {
      const jws = await signHead(head, this.witness.key);
      await appendHead(this.witness.dir, this.replica, jws);
      this.signedSeq = head.seq;
      this.lastError = null;
      this.logger.info({ audit_head: head, jws }, 'signed audit chain head');
    } catch (err) {
      this.lastError = err as Error;
      this.logger.error({ audit_head: head, err: (err as Error).message }, 'could not sign or publish the audit chain head; retrying at the next interval');
    }
  }

  /** Signs the final head. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.signNow();
    this.logger.flush();
  }
}
