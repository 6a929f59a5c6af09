import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuditRecord } from './record.js';

export interface AuditFileLines {
  file: string;
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
    out.push({ file: path.join(auditDir, name), lines: text.slice(0, end).split('\n').slice(0, -1), tornTail: text.slice(end) });
  }
  return out;
}

/** All parseable records of every replica, in time order. */
export async function readAuditRecords(auditDir: string): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for (const file of await readAuditFiles(auditDir)) {
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
