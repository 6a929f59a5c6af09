import { recordHash } from './canonical.js';
import type { Store } from '../store/store.js';
import { collectAuditFiles } from './reader.js';
import { GENESIS_HASH } from './record.js';

export interface ReplicaVerification {
  replica: string;
  /** Where its lines were read: local file, store segments, or both. */
  file: string;
  records: number;
  ok: boolean;
  /** The first problem found, located by line and sequence number. */
  problem: { line: number; seq: number | null; what: string } | null;
  tornTail: boolean;
}

/**
 * Walks each replica's chain: every line must parse, its hash must match its content, its prev_hash
 * must equal the previous record's hash, and sequence numbers must have no gaps. A purge checkpoint
 * is a legitimate start of chain.
 */
export async function verifyAudit(auditDir: string, store?: Store): Promise<ReplicaVerification[]> {
  const results: ReplicaVerification[] = [];
  for (const file of await collectAuditFiles(auditDir, store)) {
    let prevHash = GENESIS_HASH;
    let prevSeq = 0;
    let problem: ReplicaVerification['problem'] = null;
    let count = 0;
    for (const [index, line] of file.lines.entries()) {
      const lineNo = index + 1;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        problem = { line: lineNo, seq: null, what: 'line is not valid JSON (corrupted or truncated)' };
        break;
      }
      const seq = typeof record.seq === 'number' ? record.seq : null;
      if (record.hash !== recordHash(record)) {
        problem = { line: lineNo, seq, what: 'hash does not match the record content (record was altered)' };
        break;
      }
      const anchored = index === 0 && record.kind === 'checkpoint';
      if (!anchored && record.prev_hash !== prevHash) {
        problem = { line: lineNo, seq, what: `prev_hash does not match the previous record (a record before it was removed or altered)` };
        break;
      }
      if (!anchored && seq !== prevSeq + 1) {
        problem = { line: lineNo, seq, what: `sequence jumps from ${prevSeq} to ${seq} (records missing)` };
        break;
      }
      // A purge checkpoint re-anchors the chain at the last record it removed.
      prevHash = anchored ? String(record.anchor_hash) : (record.hash as string);
      prevSeq = anchored ? Number(record.removed_through_seq) : (seq ?? prevSeq);
      count++;
    }
    if (!problem && file.tornTail)
      problem = {
        line: file.lines.length + 1,
        seq: null,
        what: `torn final line (${file.tornTail.length} bytes without a newline: an interrupted write; reopening the log repairs it)`,
      };
    results.push({ replica: file.replica, file: file.file, records: count, ok: problem === null, problem, tornTail: Boolean(file.tornTail) });
  }
  return results;
}
