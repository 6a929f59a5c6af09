import { createHash } from 'node:crypto';
import { Field, Int64, Schema, Utf8 } from 'apache-arrow';
import { z } from 'zod';
import type { CompactionOptions, Compactor } from '../store/compaction.js';
import { predicatesFor } from '../store/predicates.js';
import type { Store } from '../store/store.js';
import type { TypedTable } from '../store/typed-table.js';
import type { AuditFileLines } from './reader.js';

/**
 * Audit segments in the shared store: each replica ships the complete lines of its local, fsync'd
 * log here, so auditors read every replica's chain from one place (a LanceDB folder or object
 * storage). Each replica writes only its own table, so shipping never races another replica's
 * commit; a small registry lists the replicas, and every shipment re-checks its own entry, so a
 * lost registry write heals itself. A segment is a verbatim run of lines: the hash chain inside is
 * what `audit verify` checks, the sha256 only guards the segment itself.
 */
export const SegmentRowSchema = z.object({
  first_seq: z.number().int(),
  last_seq: z.number().int(),
  lines: z.string(),
  sha256: z.string(),
  shipped_at: z.string(),
});
export type SegmentRow = z.infer<typeof SegmentRowSchema>;

const segmentArrowSchema = new Schema([
  new Field('first_seq', new Int64(), false),
  new Field('last_seq', new Int64(), false),
  ...['lines', 'sha256', 'shipped_at'].map((n) => new Field(n, new Utf8(), false)),
]);
const RegistryRowSchema = z.object({ replica: z.string(), registered_at: z.string() });
const registryWhere = predicatesFor<keyof z.infer<typeof RegistryRowSchema>>();
const segmentWhere = predicatesFor<keyof SegmentRow>();
const registryArrowSchema = new Schema(['replica', 'registered_at'].map((n) => new Field(n, new Utf8(), false)));

const REGISTRY_TABLE = 'audit_replicas';
const segmentTable = (replica: string) => `audit_segments__${replica}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** One replica's shipped segments (the writer side). */
export class ReplicaSegments {
  private constructor(
    private readonly registry: TypedTable<typeof RegistryRowSchema>,
    private readonly table: TypedTable<typeof SegmentRowSchema>,
    readonly replica: string,
    /** A serving replica ships every few seconds: it compacts its table every few shipments. */
    readonly compactor: Compactor | null,
  ) {}

  static async open(store: Store, replica: string, compaction?: CompactionOptions): Promise<ReplicaSegments> {
    return new ReplicaSegments(
      await store.typed(REGISTRY_TABLE, registryArrowSchema, RegistryRowSchema),
      await store.typed(segmentTable(replica), segmentArrowSchema, SegmentRowSchema),
      replica,
      compaction ? store.compactor(segmentTable(replica), compaction) : null,
    );
  }

  /** The highest sequence number already in the store (0 if none). */
  async shippedThrough(): Promise<number> {
    const rows = await this.table.rows(undefined, { select: ['last_seq'], latest: true });
    return rows.reduce((max, r) => Math.max(max, r.last_seq), 0);
  }

  /** Appends complete lines (each a JSON record with `seq`) as one segment. */
  async ship(lines: string[]): Promise<void> {
    await this.ensureRegistered();
    if (lines.length === 0) return;
    const seqs = lines.map((line) => Number((JSON.parse(line) as { seq: number }).seq));
    const text = lines.join('\n');
    // Int64 columns take BigInt values.
    await this.table.raw.add([
      { first_seq: BigInt(seqs[0]!), last_seq: BigInt(seqs.at(-1)!), lines: text, sha256: sha256(text), shipped_at: new Date().toISOString() },
    ]);
    this.compactor?.committed();
  }

  /** Replaces every segment with one holding `lines` (after a retention purge). */
  async replace(lines: string[]): Promise<void> {
    await this.table.delete(segmentWhere.all());
    await this.ship(lines);
  }

  private async ensureRegistered(): Promise<void> {
    await this.registry.checkoutLatest();
    if ((await this.registry.count(registryWhere.eq('replica', this.replica))) > 0) return;
    await this.registry.add([{ replica: this.replica, registered_at: new Date().toISOString() }]);
  }
}

/** Every registered replica's shipped lines, in sequence order, as one pseudo-file per replica. */
export async function readShippedSegments(store: Store): Promise<AuditFileLines[]> {
  const registry = await store.tryTyped(REGISTRY_TABLE, RegistryRowSchema);
  if (!registry) return [];
  const replicas = [...new Set((await registry.rows(undefined, { latest: true })).map((r) => r.replica))].sort();
  const out: AuditFileLines[] = [];
  for (const replica of replicas) {
    const table = await store.tryTyped(segmentTable(replica), SegmentRowSchema);
    if (!table) continue;
    const rows = await table.rows();
    const lines: string[] = [];
    for (const segment of rows.sort((a, b) => a.first_seq - b.first_seq)) {
      if (sha256(segment.lines) !== segment.sha256) lines.push(`segment ${segment.first_seq}-${segment.last_seq} of ${replica} does not match its checksum`);
      else lines.push(...segment.lines.split('\n'));
    }
    out.push({ file: `store:${segmentTable(replica)}`, replica, lines, tornTail: '' });
  }
  return out;
}
