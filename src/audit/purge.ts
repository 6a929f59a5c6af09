import { renameSync, writeFileSync, fsyncSync, openSync, closeSync } from 'node:fs';
import { recordHash } from './canonical.js';
import { AUDIT_STREAM_TAG } from './log.js';
import { readAuditFiles } from './reader.js';

export interface PurgeResult {
  file: string;
  removed: number;
  kept: number;
}

/**
 * Retention: drops records older than the cutoff from each replica file and puts a checkpoint in
 * their place that anchors the chain (the hash and sequence of the last removed record), so
 * `audit verify` still proves the rest intact. Files are replaced atomically (write, fsync, rename).
 * Run it while no server appends to the same files (see docs/auditing.md).
 */
export async function purgeAudit(auditDir: string, cutoff: Date): Promise<PurgeResult[]> {
  const results: PurgeResult[] = [];
  for (const file of await readAuditFiles(auditDir)) {
    const records = file.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const expired = records.filter((r) => r.kind !== 'checkpoint' && String(r.ts) < cutoff.toISOString());
    const lastExpiredIndex = records.findLastIndex((r) => r.kind !== 'checkpoint' && String(r.ts) < cutoff.toISOString());
    if (expired.length === 0 || lastExpiredIndex < 0) {
      results.push({ file: file.file, removed: 0, kept: records.length });
      continue;
    }
    const last = records[lastExpiredIndex]!;
    const priorCheckpoint = records[0]?.kind === 'checkpoint' ? Number(records[0].removed_count) : 0;
    const checkpoint: Record<string, unknown> = {
      log: AUDIT_STREAM_TAG,
      kind: 'checkpoint',
      removed_through_seq: last.seq,
      removed_count: priorCheckpoint + expired.length,
      anchor_hash: last.hash,
      seq: last.seq,
      ts: new Date().toISOString(),
      replica: last.replica,
      prev_hash: last.hash,
    };
    checkpoint.hash = recordHash(checkpoint);
    const kept = records.slice(lastExpiredIndex + 1);
    const temp = `${file.file}.purge-${process.pid}`;
    writeFileSync(temp, [checkpoint, ...kept].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const fd = openSync(temp, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, file.file);
    results.push({ file: file.file, removed: lastExpiredIndex + 1, kept: kept.length });
  }
  return results;
}
