import { renameSync, writeFileSync, fsyncSync, openSync, closeSync } from 'node:fs';
import type { Store } from '../store/store.js';
import { recordHash } from './canonical.js';
import { AUDIT_STREAM_TAG } from './log.js';
import { collectAuditFiles, readAuditFiles } from './reader.js';
import { ReplicaSegments } from './segments.js';

export interface PurgeResult {
  file: string;
  removed: number;
  kept: number;
}

/**
 * Drops records older than the cutoff from one replica's chain and puts a checkpoint in their place
 * that anchors the chain (the hash and sequence of the last removed record), so `audit verify` still
 * proves the rest intact.
 */
function purgeLines(lines: string[], cutoff: Date): { lines: string[]; removed: number } {
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const isExpired = (r: Record<string, unknown>) => r.kind !== 'checkpoint' && String(r.ts) < cutoff.toISOString();
  const lastExpiredIndex = records.findLastIndex(isExpired);
  if (lastExpiredIndex < 0) return { lines, removed: 0 };
  const last = records[lastExpiredIndex]!;
  const priorCheckpoint = records[0]?.kind === 'checkpoint' ? Number(records[0].removed_count) : 0;
  const checkpoint: Record<string, unknown> = {
    log: AUDIT_STREAM_TAG,
    kind: 'checkpoint',
    removed_through_seq: last.seq,
    removed_count: priorCheckpoint + records.filter(isExpired).length,
    anchor_hash: last.hash,
    seq: last.seq,
    ts: new Date().toISOString(),
    replica: last.replica,
    prev_hash: last.hash,
  };
  checkpoint.hash = recordHash(checkpoint);
  return { lines: [JSON.stringify(checkpoint), ...lines.slice(lastExpiredIndex + 1)], removed: lastExpiredIndex + 1 };
}

/**
 * Retention over the local audit folder (files replaced atomically: write, fsync, rename) and, given a
 * store, over every replica's shipped segments. Run it while no server appends (docs/auditing.md).
 */
export async function purgeAudit(auditDir: string, cutoff: Date, store?: Store): Promise<PurgeResult[]> {
  const results: PurgeResult[] = [];
  for (const file of await readAuditFiles(auditDir)) {
    const purged = purgeLines(file.lines, cutoff);
    if (purged.removed > 0) {
      const temp = `${file.file}.purge-${process.pid}`;
      writeFileSync(temp, purged.lines.join('\n') + '\n');
      const fd = openSync(temp, 'r+');
      fsyncSync(fd);
      closeSync(fd);
      renameSync(temp, file.file);
    }
    results.push({ file: file.file, removed: purged.removed, kept: purged.lines.length });
  }
  if (store) {
    // The merged view already hides what the local checkpoints removed; purge the rest and rewrite.
    for (const file of await collectAuditFiles(auditDir, store)) {
      const purged = purgeLines(file.lines, cutoff);
      await (await ReplicaSegments.open(store, file.replica)).replace(purged.lines);
      results.push({ file: `store:${file.replica}`, removed: purged.removed, kept: purged.lines.length });
    }
  }
  return results;
}
