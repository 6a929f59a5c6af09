import { createHash } from 'node:crypto';
import type { Table } from '@lancedb/lancedb';
import { Field, Int64, Schema, Utf8 } from 'apache-arrow';
import { z } from 'zod';
import { sqlString } from '../store/sql.js';
import type { Store } from '../store/store.js';
import type { AuditFileLines } from './reader.js';

/**
 * Audit segments in the shared store: each replica ships the complete lines of its local,
 * fsync'd log here, so auditors read every replica's chain from one place (a LanceDB folder or
 * object storage). A segment is a verbatim run of lines; the hash chain inside them is what
 * `audit verify` checks, the sha256 only guards the segment's own transfer.
 */
export const SegmentRowSchema = z.object({
  replica: z.string(),
  first_seq: z.number().int(),
  last_seq: z.number().int(),
  lines: z.string(),
  sha256: z.string(),
  shipped_at: z.string(),
});
export type SegmentRow = z.infer<typeof SegmentRowSchema>;

const segmentArrowSchema = new Schema([
  new Field('replica', new Utf8(), false),
  new Field('first_seq', new Int64(), false),
  new Field('last_seq', new Int64(), false),
  ...['lines', 'sha256', 'shipped_at'].map((n) => new Field(n, new Utf8(), false)),
]);

export const SEGMENT_TABLE = 'audit_segments';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class AuditSegments {
  private constructor(private readonly table: Table) {}

  static async open(store: Store): Promise<AuditSegments> {
    return new AuditSegments(await store.openOrCreate(SEGMENT_TABLE, segmentArrowSchema));
  }

  /** For readers: never creates the table. */
  static async openIfPresent(store: Store): Promise<AuditSegments | null> {
    const table = await store.tryOpen(SEGMENT_TABLE);
    return table ? new AuditSegments(table) : null;
  }

  /** The highest sequence number of `replica` already in the store (0 if none). */
  async shippedThrough(replica: string): Promise<number> {
    await this.table.checkoutLatest();
    const rows = await this.table.query().where(`replica = ${sqlString(replica)}`).select(['last_seq']).toArray();
    return rows.reduce((max, r) => Math.max(max, Number(r.last_seq)), 0);
  }

  /** Appends complete lines (each a JSON record with `seq`) as one segment. */
  async ship(replica: string, lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const seqs = lines.map((line) => Number((JSON.parse(line) as { seq: number }).seq));
    const text = lines.join('\n');
    const row: SegmentRow = { replica, first_seq: seqs[0]!, last_seq: seqs.at(-1)!, lines: text, sha256: sha256(text), shipped_at: new Date().toISOString() };
    await this.table.add([{ ...row, first_seq: BigInt(row.first_seq), last_seq: BigInt(row.last_seq) }]);
  }

  /** Replaces every segment of `replica` with one holding `lines` (after a retention purge). */
  async replace(replica: string, lines: string[]): Promise<void> {
    await this.table.delete(`replica = ${sqlString(replica)}`);
    await this.ship(replica, lines);
  }

  /** Every replica's shipped lines, in sequence order, as one pseudo-file per replica. */
  async read(): Promise<AuditFileLines[]> {
    await this.table.checkoutLatest();
    const rows = (await this.table.query().toArray()).map((r) => SegmentRowSchema.parse({ ...r, first_seq: Number(r.first_seq), last_seq: Number(r.last_seq) }));
    const byReplica = new Map<string, SegmentRow[]>();
    for (const row of rows) byReplica.set(row.replica, [...(byReplica.get(row.replica) ?? []), row]);
    return [...byReplica.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([replica, segments]) => {
      const lines: string[] = [];
      for (const segment of segments.sort((a, b) => a.first_seq - b.first_seq)) {
        if (sha256(segment.lines) !== segment.sha256) {
          lines.push(`segment ${segment.first_seq}-${segment.last_seq} of ${replica} does not match its checksum`);
        } else lines.push(...segment.lines.split('\n'));
      }
      return { file: `store:${SEGMENT_TABLE}/${replica}`, replica, lines, tornTail: '' };
    });
  }
}
