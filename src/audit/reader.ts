import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Store } from '../store/store.js';
import type { AuditRecord } from './record.js';
import { readShippedSegments } from './segments.js';

export interface AuditFileLines {
  /** Where the lines came from: a local file, the store, or both. */
  file: string;
  replica: string;
  lines: string[];
  /** Bytes after the last newline: a torn write. */
  tornTail: string;
}

/** Every replica's log in the audit folder (`<replica>.jsonl`), raw, for verify and the readers. */
export async function readAuditFiles(auditDir: string): Promise<AuditFileLines[]> {
  let names: string[];
  try {
    names = (await readdir(auditDir)).filter((n) => n.endsWith('.jsonl')).sort();
  } catch {
    return [];
  }
  const out: AuditFileLines[] = [];
  for (const name of names) {
    const text = await readFile(path.join(auditDir, name), 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    out.push({
      file: path.join(auditDir, name),
      replica: name.slice(0, -'.jsonl'.length),
      lines: text.slice(0, end).split('\n').slice(0, -1),
      tornTail: text.slice(end),
    });
  }
  return out;
}

/**
 * Every replica's chain, from the local audit folder and, given a store, from the segments shipped
 * there by all replicas. Lines of one replica are merged by sequence number: a line present in both
 * places appears once; two different lines with one sequence number both stay, so verify reports
 * them. A purge checkpoint starts the chain and hides the records it removed.
 */
export async function collectAuditFiles(auditDir: string, store?: Store): Promise<AuditFileLines[]> {
  const local = await readAuditFiles(auditDir);
  const shipped = store ? await readShippedSegments(store) : [];
  const replicas = [...new Set([...local, ...shipped].map((f) => f.replica))].sort();
  return replicas.map((replica) => {
    const here = local.find((f) => f.replica === replica);
    const there = shipped.find((f) => f.replica === replica);
    if (!here || !there) return (here ?? there)!;
    return { file: `${here.file} + ${there.file}`, replica, lines: mergeLines([...there.lines, ...here.lines]), tornTail: here.tornTail };
  });
}

function mergeLines(lines: string[]): string[] {
  const bySeq = new Map<number, string[]>();
  const unreadable: string[] = [];
  let checkpoint: { line: string; through: number } | null = null;
  for (const line of lines) {
    let record: { seq?: unknown; kind?: unknown; removed_through_seq?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      unreadable.push(line);
      continue;
    }
    if (record.kind === 'checkpoint') {
      const through = Number(record.removed_through_seq);
      if (!checkpoint || through > checkpoint.through) checkpoint = { line, through };
      continue;
    }
    const seq = Number(record.seq);
    const same = bySeq.get(seq) ?? [];
    if (!same.includes(line)) bySeq.set(seq, [...same, line]);
  }
  const through = checkpoint?.through ?? 0;
  const ordered = [...bySeq.entries()]
    .filter(([seq]) => seq > through)
    .sort(([a], [b]) => a - b)
    .flatMap(([, l]) => l);
  return [...(checkpoint ? [checkpoint.line] : []), ...ordered, ...unreadable];
}

/** All parseable records of every replica (local folder, and the store's segments if given), in time order. */
export async function readAuditRecords(auditDir: string, store?: Store): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for (const file of await collectAuditFiles(auditDir, store)) {
    for (const line of file.lines) {
      try {
        records.push(JSON.parse(line) as AuditRecord);
      } catch {
        // verify reports unreadable lines; readers skip them
      }
    }
  }
  return records.sort((a, b) => a.ts.localeCompare(b.ts) || a.seq - b.seq);
}
