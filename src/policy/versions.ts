import { createTwoFilesPatch } from 'diff';
import { Field, Int32, Schema, Utf8 } from 'apache-arrow';
import { z } from 'zod';
import type { Compactor } from '../store/compaction.js';
import { predicatesFor } from '../store/predicates.js';
import type { Store } from '../store/store.js';
import type { TypedTable } from '../store/typed-table.js';
import { PolicyEngine } from './engine.js';
import { parsePolicyTexts, PolicyError, type PolicyFiles, type PolicyTexts } from './files.js';

/**
 * Published policy versions in the store: immutable rows, numbered. The live version is the row with
 * the highest number; a rollback publishes an old content again as a new number, so history only
 * grows and every server follows one sequence.
 */
export const PolicyVersionRowSchema = z.object({
  seq: z.number().int().min(1),
  version: z.string(),
  texts: z.string(),
  applied_by: z.string(),
  applied_auth: z.string(),
  applied_at: z.string(),
  message: z.string(),
  diff: z.string(),
});
export type PolicyVersionRow = z.infer<typeof PolicyVersionRowSchema>;

const arrow = new Schema([
  new Field('seq', new Int32(), false),
  ...['version', 'texts', 'applied_by', 'applied_auth', 'applied_at', 'message', 'diff'].map((n) => new Field(n, new Utf8(), false)),
]);
export const POLICY_TABLE = 'policy_versions';
const TextsSchema = z.record(z.string(), z.string());
const where = predicatesFor<keyof PolicyVersionRow>();
/** Every serving process polls this table twice a second: past this many fragments `apply` compacts it. */
const POLICY_TABLE_MAX_FRAGMENTS = 8;

/** A readable diff of two policies, file by file (unified format). */
export function diffPolicies(from: PolicyTexts, to: PolicyTexts, labels: [string, string]): string {
  const names = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  return names
    .filter((n) => from[n] !== to[n])
    .map((n) => createTwoFilesPatch(`${labels[0]}/${n}`, `${labels[1]}/${n}`, from[n] ?? '', to[n] ?? '', undefined, undefined, { context: 1 }))
    .join('');
}

export class PolicyVersions {
  private constructor(
    private readonly table: TypedTable<typeof PolicyVersionRowSchema>,
    private readonly compactor: Compactor,
  ) {}

  static async open(store: Store): Promise<PolicyVersions> {
    const table = await store.typed(POLICY_TABLE, arrow, PolicyVersionRowSchema);
    return new PolicyVersions(table, store.compactor(POLICY_TABLE, { everyCommits: POLICY_TABLE_MAX_FRAGMENTS }));
  }

  /** Every published version, oldest first (texts left out). */
  async list(): Promise<Omit<PolicyVersionRow, 'texts'>[]> {
    const rows = await this.table.rows(undefined, { select: ['seq', 'version', 'applied_by', 'applied_auth', 'applied_at', 'message', 'diff'], latest: true });
    return rows.sort((a, b) => a.seq - b.seq);
  }

  /** The live version's number only: cheap enough to poll. */
  async liveSeq(): Promise<number> {
    const rows = await this.table.rows(undefined, { select: ['seq'], latest: true });
    return rows.reduce((max, r) => Math.max(max, r.seq), 0);
  }

  /** A version by number, or by (a prefix of) its content hash: the newest such. */
  async get(ref: string): Promise<PolicyVersionRow | null> {
    const number = /^v?(\d+)$/.exec(ref);
    if (number) return this.byNumber(Number(number[1]));
    const rows = (await this.table.rows(undefined, { latest: true })).filter((r) => r.version.startsWith(ref));
    return rows.sort((a, b) => b.seq - a.seq)[0] ?? null;
  }

  async live(): Promise<PolicyVersionRow | null> {
    const seq = await this.liveSeq();
    return seq === 0 ? null : this.byNumber(seq);
  }

  /** One row, not the table: each row holds a whole policy, and serving processes read the new one on every swap. */
  async byNumber(seq: number): Promise<PolicyVersionRow | null> {
    const [row] = await this.table.rows(where.eqInt('seq', seq), { latest: true });
    return row ?? null;
  }

  /** What changed between two published versions (`v3`, `3` or a hash prefix): a unified diff, empty when none. */
  async diff(a: string, b: string): Promise<{ from: number; to: number; diff: string }> {
    const [from, to] = await Promise.all([this.get(a), this.get(b)]);
    if (!from || !to) throw new Error(`no published policy version "${!from ? a : b}" (see \`clearance policy versions\`)`);
    return { from: from.seq, to: to.seq, diff: diffPolicies(PolicyVersions.texts(from), PolicyVersions.texts(to), [`v${from.seq}`, `v${to.seq}`]) };
  }

  /** The texts a version stores. */
  static texts(row: PolicyVersionRow): PolicyTexts {
    return TextsSchema.parse(JSON.parse(row.texts));
  }

  /** Publishes `texts` as the next version; two concurrent publishers get distinct numbers. */
  async publish(texts: PolicyTexts, version: string, by: { human: string; auth: string }, message: string): Promise<PolicyVersionRow> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const live = await this.live();
      const liveTexts = live ? PolicyVersions.texts(live) : {};
      const row: PolicyVersionRow = {
        seq: (live?.seq ?? 0) + 1,
        version,
        texts: JSON.stringify(texts),
        applied_by: by.human,
        applied_auth: by.auth,
        applied_at: new Date().toISOString(),
        message,
        diff: diffPolicies(liveTexts, texts, [live ? `v${live.seq}` : 'none', `v${(live?.seq ?? 0) + 1}`]),
      };
      await this.table.insertNew(['seq'], [row]);
      const stored = await this.byNumber(row.seq);
      if (stored?.applied_at === row.applied_at && stored.version === row.version) {
        // `apply` runs in a short-lived CLI, whose commits never add up to a count: compact by fragments.
        await this.compactor.compactIfFragmented();
        return stored;
      }
    }
    throw new PolicyError('could not publish the policy: other publishers kept taking the next version number; try again');
  }
}

/** A published version's files; rule locations name it, e.g. `policy@v3/people.csv:4`. */
export function filesOf(row: PolicyVersionRow): { files: PolicyFiles; where: string } {
  const where = `policy@v${row.seq}`;
  return { files: parsePolicyTexts(where, PolicyVersions.texts(row)), where };
}

/** The engine for a published version. */
export async function engineOf(row: PolicyVersionRow): Promise<PolicyEngine> {
  const { files, where } = filesOf(row);
  return PolicyEngine.fromFiles(files, where);
}
