import type { JWK } from 'jose';
import { recordHash } from './canonical.js';
import type { Store } from '../store/store.js';
import { collectAuditFiles, type AuditFileLines } from './reader.js';
import { GENESIS_HASH } from './record.js';
import { checkHeads, type ChainFacts, type WitnessFinding } from './witness-check.js';
import { readPinnedKey, readWitnessHeads } from './witness.js';

export interface ReplicaVerification {
  replica: string;
  /** Where its lines were read: local file, store segments, or both. */
  file: string;
  records: number;
  ok: boolean;
  /** The first problem found, located by line and sequence number. */
  problem: { line: number; seq: number | null; what: string } | null;
  tornTail: boolean;
  /** Signed heads checked, or null when no witness was given (rewrites then go unnoticed). */
  witness: Omit<WitnessFinding, 'problem'> | null;
}

export interface WitnessOptions {
  dir: string;
  /** The operator's own copy of the audit public key; the witness's pinned key must equal it. */
  trustedKey?: JWK;
}

export const NO_WITNESS_WARNING = 'no witness: rewrites by whoever controls both the audit folder and the store are not detectable (set auditWitnessDir)';

type Walk = { problem: ReplicaVerification['problem']; count: number; facts: ChainFacts; lineOf: Map<number, number> };

/**
 * Walks one chain: every line must parse, its hash must match its content, its prev_hash must
 * equal the previous record's hash, and sequence numbers must have no gaps. A purge checkpoint is a
 * legitimate start of chain.
 */
function walkChain(file: AuditFileLines): Walk {
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  const facts: ChainFacts = { hashes: new Map(), lastSeq: 0, purgedThrough: 0, anchorHashes: [] };
  const lineOf = new Map<number, number>();
  for (const [index, line] of file.lines.entries()) {
    const lineNo = index + 1;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { problem: { line: lineNo, seq: null, what: 'line is not valid JSON (corrupted or truncated)' }, count: index, facts, lineOf };
    }
    const seq = typeof record.seq === 'number' ? record.seq : null;
    const stop = (what: string): Walk => ({ problem: { line: lineNo, seq, what }, count: index, facts, lineOf });
    if (record.hash !== recordHash(record)) return stop('hash does not match the record content (record was altered)');
    const anchored = index === 0 && record.kind === 'checkpoint';
    if (!anchored && record.prev_hash !== prevHash) return stop('prev_hash does not match the previous record (a record before it was removed or altered)');
    if (!anchored && seq !== prevSeq + 1) return stop(`sequence jumps from ${prevSeq} to ${seq} (records missing)`);
    // A purge checkpoint re-anchors the chain at the last record it removed.
    prevHash = anchored ? String(record.anchor_hash) : (record.hash as string);
    prevSeq = anchored ? Number(record.removed_through_seq) : (seq ?? prevSeq);
    if (anchored) Object.assign(facts, { purgedThrough: prevSeq, anchorHashes: [prevHash, record.hash as string] });
    else facts.hashes.set(prevSeq, prevHash);
    facts.lastSeq = prevSeq;
    lineOf.set(prevSeq, lineNo);
  }
  return { problem: null, count: file.lines.length, facts, lineOf };
}

/** The key heads must verify with: the witness's pin, which must equal the operator's copy if given. */
async function trustedKey(witness: WitnessOptions): Promise<{ key: JWK | null; problem: string | null }> {
  const pinned = await readPinnedKey(witness.dir);
  const given = witness.trustedKey;
  if (given && pinned && (given.x !== pinned.x || given.crv !== pinned.crv))
    return {
      key: given,
      problem: `the key pinned in the witness (kid ${String(pinned.kid)}) is not the trusted audit key (kid ${String(given.kid)}): the witness key changed`,
    };
  return { key: given ?? pinned, problem: null };
}

/**
 * Verifies each replica's chain and, given a witness, every signed head it holds: a chain that a
 * head outlives (truncated) or contradicts (rewritten) is broken even when it is internally
 * consistent, and so is a replica the witness knows but whose chain is gone.
 */
export async function verifyAudit(auditDir: string, store?: Store, witness?: WitnessOptions): Promise<ReplicaVerification[]> {
  const files = await collectAuditFiles(auditDir, store);
  const heads = witness ? await readWitnessHeads(witness.dir) : [];
  const trust = witness ? await trustedKey(witness) : null;
  const replicas = [...new Set([...files.map((f) => f.replica), ...heads.map((h) => h.replica)])].sort();
  const results: ReplicaVerification[] = [];
  for (const replica of replicas) {
    const file = files.find((f) => f.replica === replica) ?? { file: '(no chain)', replica, lines: [], tornTail: '' };
    const walk = walkChain(file);
    let problem = walk.problem;
    if (!problem && file.tornTail)
      problem = {
        line: file.lines.length + 1,
        seq: null,
        what: `torn final line (${file.tornTail.length} bytes without a newline: an interrupted write; reopening the log repairs it)`,
      };
    let finding: WitnessFinding | null = null;
    if (witness && trust) {
      const own = heads.find((h) => h.replica === replica);
      if (trust.problem) finding = { heads: 0, signedThrough: 0, problem: { seq: null, what: trust.problem } };
      else if (!trust.key)
        finding = { heads: 0, signedThrough: 0, problem: own ? { seq: null, what: `witness ${witness.dir} holds heads but no pinned key` } : null };
      else finding = await checkHeads(replica, walk.facts, own, trust.key);
      const at = finding.problem?.seq;
      if (!problem && finding.problem) problem = { line: (at && walk.lineOf.get(at)) ?? file.lines.length + 1, seq: at ?? null, what: finding.problem.what };
    }
    const summary = finding && { heads: finding.heads, signedThrough: finding.signedThrough };
    results.push({ replica, file: file.file, records: walk.count, ok: problem === null, problem, tornTail: Boolean(file.tornTail), witness: summary });
  }
  return results;
}
