import type { JWK } from 'jose';
import { verifyHead } from './head.js';
import { WitnessLineSchema, type WitnessHeads } from './witness.js';

/** What the chain walk established about one replica, for comparison with its signed heads. */
export interface ChainFacts {
  /** Record hash by seq, for every record the walk accepted. */
  hashes: Map<number, string>;
  /** The highest seq the walk accepted (0 for none). */
  lastSeq: number;
  /** A purge checkpoint removed every record up to here (0 if none). */
  purgedThrough: number;
  /** Hashes a head at `purgedThrough` may carry: the last removed record's, or the checkpoint's own. */
  anchorHashes: string[];
}

export interface WitnessFinding {
  /** Signed heads checked. */
  heads: number;
  /** The highest seq a valid head vouches for (0 if none): records after it are not yet covered. */
  signedThrough: number;
  problem: { seq: number | null; what: string } | null;
}

/**
 * Checks one replica's chain against every signed head the witness holds for it, in the order they
 * were published, stopping at the first problem: a head that does not verify with the trusted key,
 * a head for another replica, a chain shorter than a head (records dropped), or a record whose hash
 * differs from the one a head vouches for (rewritten, even with recomputed hashes).
 */
export async function checkHeads(replica: string, chain: ChainFacts, witness: WitnessHeads | undefined, trusted: JWK): Promise<WitnessFinding> {
  const finding: WitnessFinding = { heads: 0, signedThrough: 0, problem: null };
  for (const [index, line] of (witness?.lines ?? []).entries()) {
    const where = `witness ${witness!.file} line ${index + 1}`;
    const parsed = WitnessLineSchema.safeParse(safeJson(line));
    if (!parsed.success) return { ...finding, problem: { seq: null, what: `${where} is not a signed head line` } };
    const check = await verifyHead(parsed.data.jws, trusted);
    if (!check.ok) return { ...finding, problem: { seq: null, what: `${where}: ${check.why} (forged or altered head)` } };
    const head = check.head;
    if (head.replica !== replica) return { ...finding, problem: { seq: head.seq, what: `${where} is a head of replica "${head.replica}", not "${replica}"` } };
    const problem = compare(head, chain);
    if (problem) return { ...finding, problem: { seq: head.seq, what: `${problem} (head signed ${head.ts}, ${where})` } };
    finding.heads++;
    finding.signedThrough = Math.max(finding.signedThrough, head.seq);
  }
  return finding;
}

function compare(head: { seq: number; hash: string }, chain: ChainFacts): string | null {
  if (head.seq > chain.lastSeq)
    return chain.lastSeq === 0
      ? `the chain has no records, but a signed head vouches for seq ${head.seq} (the chain was deleted or truncated)`
      : `the chain ends at seq ${chain.lastSeq}, but a signed head vouches for seq ${head.seq} (newest records dropped)`;
  if (head.seq < chain.purgedThrough) return null; // removed by a retention purge: nothing left to compare
  if (head.seq === chain.purgedThrough)
    return chain.anchorHashes.includes(head.hash) ? null : `the purge checkpoint at seq ${head.seq} does not match the signed head (rewritten)`;
  const actual = chain.hashes.get(head.seq);
  if (actual !== head.hash)
    return `record seq ${head.seq} has hash ${String(actual).slice(0, 12)}…, the signed head says ${head.hash.slice(0, 12)}… (rewritten)`;
  return null;
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
