import { copyFileSync, existsSync, fsyncSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { recordHash } from './canonical.js';
import { DEFAULT_HEAD_CADENCE, HeadSigner, stderrHeadLogger, type HeadCadence } from './head-signer.js';
import { AuditEventSchema, GENESIS_HASH, stripSecrets, type AuditEvent, type AuditRecord } from './record.js';
import type { AuditWitness } from './witness.js';
import { processAlive } from '../os/process-alive.js';

/** pino writes this tag first on every line (it cannot omit the level field); it is not hashed. */
export const AUDIT_STREAM_TAG = 'clearance-audit';

export class AuditUnavailableError extends Error {
  override name = 'AuditUnavailableError';
}

type Destination = ReturnType<typeof pino.destination>;

export interface AuditLogOptions {
  auditDir: string;
  replicaId: string;
  /** Given, the chain head is signed periodically and at close, and published to the witness. */
  witness?: AuditWitness;
  headCadence?: Partial<HeadCadence>;
  /** Where signed heads are also logged (default: stderr). */
  headLogger?: pino.Logger;
}

interface Pending {
  event: AuditEvent;
  resolve(record: AuditRecord): void;
  reject(err: Error): void;
}

/** Takes `<replica>.jsonl.lock` (or `<replica>.2…`): a lock whose process is gone is taken over. */
function claimChain(auditDir: string, replicaId: string): string {
  for (let n = 1; n < 1000; n++) {
    const id = n === 1 ? replicaId : `${replicaId}.${n}`;
    const lock = `${auditFile(auditDir, id)}.lock`;
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return id;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(lock, 'utf8'));
      if (owner === process.pid) continue;
      if (!Number.isInteger(owner) || !processAlive(owner)) {
        writeFileSync(lock, String(process.pid));
        return id;
      }
    }
  }
  throw new Error(`too many concurrent writers for replica ${replicaId}`);
}

export function auditFile(auditDir: string, replicaId: string): string {
  return path.join(auditDir, `${replicaId}.jsonl`);
}

/** Last complete record of a file, and whether its tail is torn (a crash mid-write). */
function readTail(file: string): { last: AuditRecord | null; tornBytes: number; validLength: number } {
  if (!existsSync(file)) return { last: null, tornBytes: 0, validLength: 0 };
  const text = readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const torn = text.length - end;
  const lines = text.slice(0, end).split('\n').filter(Boolean);
  const lastLine = lines.at(-1);
  let last: AuditRecord | null = null;
  if (lastLine) {
    try {
      last = JSON.parse(lastLine) as AuditRecord;
    } catch {
      last = null;
    }
  }
  return { last, tornBytes: torn, validLength: end };
}

/**
 * The append-only, hash-chained audit log of one replica, written with pino to a sync destination.
 * Appends are serialised; those that arrive while a write+fsync is in flight share the next fsync
 * (group commit). A record's promise resolves only after fsync. Any write failure makes the log
 * unavailable: callers fail closed rather than answer unaudited.
 */
export class AuditLog {
  private queue: Pending[] = [];
  private flushing = false;
  private failure: Error | null = null;
  private heads: HeadSigner | null = null;

  private constructor(
    readonly file: string,
    readonly replicaId: string,
    private readonly destination: Destination,
    private readonly logger: pino.Logger,
    private seq: number,
    private prevHash: string,
  ) {
    destination.on('error', (err: Error) => {
      this.failure = err;
    });
  }

  static open({ auditDir, replicaId: wanted, witness, headCadence, headLogger }: AuditLogOptions): AuditLog {
    let replicaId = wanted;
    let file = auditFile(auditDir, replicaId);
    let recovered: { tornBytes: number; movedTo: string } | null = null;
    try {
      mkdirSync(auditDir, { recursive: true });
      // One writer per chain: a second process with the same replica id gets its own numbered chain.
      replicaId = claimChain(auditDir, wanted);
      file = auditFile(auditDir, replicaId);
      const tail = readTail(file);
      if (tail.tornBytes > 0) {
        // A crash mid-line: copy the file aside for forensics, cut the torn tail, and continue the
        // chain from the last complete record.
        const movedTo = `${file}.torn-${Date.now()}`;
        copyFileSync(file, movedTo);
        truncateSync(file, Buffer.byteLength(readFileSync(file, 'utf8').slice(0, tail.validLength)));
        recovered = { tornBytes: tail.tornBytes, movedTo };
      }
      const destination = pino.destination({ dest: file, sync: true, mkdir: true, append: true });
      const logger = pino({ base: undefined, timestamp: false, formatters: { level: () => ({ log: AUDIT_STREAM_TAG }) } }, destination);
      const log = new AuditLog(file, replicaId, destination, logger, tail.last?.seq ?? 0, tail.last?.hash ?? GENESIS_HASH);
      if (witness) {
        const cadence = { ...DEFAULT_HEAD_CADENCE, ...headCadence };
        log.heads = new HeadSigner(
          witness,
          replicaId,
          cadence,
          headLogger ?? stderrHeadLogger(),
          tail.last ? { seq: tail.last.seq, hash: tail.last.hash } : null,
        );
      }
      if (recovered) {
        void log.append({
          kind: 'admin',
          actor: 'clearance',
          actor_auth: 'system',
          action: 'audit.recover',
          target: path.basename(file),
          detail: { torn_bytes: recovered.tornBytes, moved_to: path.basename(recovered.movedTo) },
        });
      }
      return log;
    } catch (err) {
      throw new AuditUnavailableError(`audit log ${file} cannot be opened for append: ${(err as Error).message}`);
    }
  }

  /** The sequence number of the last record written (0 for an empty chain). */
  get lastSeq(): number {
    return this.seq;
  }

  isAvailable(): boolean {
    return this.failure === null;
  }

  append(event: AuditEvent): Promise<AuditRecord> {
    if (this.failure) return Promise.reject(new AuditUnavailableError(`audit log ${this.file} is unavailable: ${this.failure.message}`));
    const parsed = AuditEventSchema.safeParse(stripSecrets(event));
    if (!parsed.success)
      return Promise.reject(new Error(`invalid audit event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`));
    return new Promise((resolve, reject) => {
      this.queue.push({ event: parsed.data, resolve, reject });
      if (!this.flushing) setImmediate(() => this.flush());
      this.flushing = true;
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    const written: AuditRecord[] = [];
    try {
      if (this.failure) throw this.failure;
      for (const { event } of batch) {
        const record = { ...event, seq: this.seq + 1, ts: new Date().toISOString(), replica: this.replicaId, prev_hash: this.prevHash } as Record<
          string,
          unknown
        >;
        record.hash = recordHash(record);
        this.logger.info(record);
        if (this.failure) throw this.failure;
        this.seq += 1;
        this.prevHash = record.hash as string;
        written.push(record as AuditRecord);
      }
      this.destination.flushSync();
      fsyncSync((this.destination as unknown as { fd: number }).fd);
      batch.forEach((p, i) => p.resolve(written[i]!));
      this.heads?.advanced(this.seq, this.prevHash);
    } catch (err) {
      this.failure ??= err as Error;
      const error = new AuditUnavailableError(`audit log ${this.file} could not be written: ${(err as Error).message}`);
      batch.forEach((p) => p.reject(error));
    }
    if (this.queue.length > 0) setImmediate(() => this.flush());
    else this.flushing = false;
  }

  async close(): Promise<void> {
    while (this.flushing) await new Promise((r) => setImmediate(r));
    // The last head covers everything this process wrote: a later truncation below it is detectable.
    await this.heads?.close();
    this.destination.end();
    rmSync(`${this.file}.lock`, { force: true });
  }
}
