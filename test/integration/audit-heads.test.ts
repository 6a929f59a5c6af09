import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { recordHash } from '../../src/audit/canonical.js';
import { signHead } from '../../src/audit/head.js';
import { AuditLog, auditFile } from '../../src/audit/log.js';
import { purgeAudit } from '../../src/audit/purge.js';
import type { AuditEvent } from '../../src/audit/record.js';
import { GENESIS_HASH } from '../../src/audit/record.js';
import { ReplicaSegments } from '../../src/audit/segments.js';
import { AuditShipper } from '../../src/audit/shipper.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { PINNED_KEY_FILE, appendHead, headsFile, openAuditWitness, type AuditWitness } from '../../src/audit/witness.js';
import { AUDIT_KEY_FILE, GRANT_KEY_FILE, loadOrCreateSigningKey } from '../../src/identity/keys.js';
import { Store } from '../../src/store/store.js';

const tmp = (name: string) => mkdtempSync(path.join(tmpdir(), `clearance-heads-${name}-`));

const call = (i: number): AuditEvent => ({
  kind: 'call',
  run_id: 'run-1',
  task_id: 'task-1',
  task_purpose: 'incident review',
  agent: 'claude-code',
  human: 'alice',
  transport: 'test',
  method: 'search',
  reason: `looking up INC-${i}`,
  args: { query: `INC-${i}` },
  decision: 'allowed',
  denial: null,
  boundary_pressure: null,
  chunks: [],
  withheld: 0,
  policy_version: 'p1',
  model_id: 'm1',
  table_version: 1,
  latency_ms: 1,
  timings: null,
  error: null,
});

/** Collects the operational log lines the head signer writes. */
function capture(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino(stream), lines };
}

interface World {
  auditDir: string;
  keysDir: string;
  witnessDir: string;
  store: Store;
  witness: AuditWitness;
  oplog: ReturnType<typeof capture>;
}

const stores: Store[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.close()));

async function world(): Promise<World> {
  const root = tmp('world');
  const store = await Store.open({ storeUri: path.join(root, 'store'), storageOptions: {}, readConsistencySeconds: 0 });
  stores.push(store);
  const keysDir = path.join(root, 'keys');
  const witnessDir = tmp('witness');
  return { auditDir: path.join(root, 'audit'), keysDir, witnessDir, store, witness: await openAuditWitness({ keysDir, witnessDir }), oplog: capture() };
}

/** Appends `n` call records to replica r1 with heads every 4 records, closes, ships to the store. */
async function write(w: World, n: number, everyRecords = 4): Promise<void> {
  const log = AuditLog.open({ auditDir: w.auditDir, replicaId: 'r1', witness: w.witness, headCadence: { everyRecords }, headLogger: w.oplog.logger });
  for (let i = 0; i < n; i++) await log.append(call(i));
  await log.close();
  await (await AuditShipper.start(w.store, log, 0)).stop();
}

const chainLines = (w: World) => readFileSync(auditFile(w.auditDir, 'r1'), 'utf8').trim().split('\n');

/** Replaces the chain in both places an attacker holding the audit folder and the store can write. */
async function replaceEverywhere(w: World, lines: string[]): Promise<void> {
  writeFileSync(auditFile(w.auditDir, 'r1'), lines.map((l) => `${l}\n`).join(''));
  await (await ReplicaSegments.open(w.store, 'r1')).replace(lines);
}

const headSeqs = (w: World) =>
  readFileSync(headsFile(w.witnessDir, 'r1'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(Buffer.from((JSON.parse(l) as { jws: string }).jws.split('.')[1]!, 'base64url').toString()) as { seq: number; hash: string });

describe('signed audit chain heads', () => {
  it('finding 10: a chain rewritten with recomputed hashes in both the audit folder and the store fails verify', async () => {
    const w = await world();
    await write(w, 10);
    let prevHash = GENESIS_HASH;
    const forged = chainLines(w).map((line) => {
      const record = JSON.parse(line) as Record<string, unknown>;
      record.reason = 'routine check';
      record.prev_hash = prevHash;
      record.hash = recordHash(record);
      prevHash = record.hash as string;
      return JSON.stringify(record);
    });
    await replaceEverywhere(w, forged);
    // The hash chain alone cannot tell: both copies agree and every hash is right.
    const blind = await verifyAudit(w.auditDir, w.store);
    expect(blind).toMatchObject([{ replica: 'r1', ok: true }]);
    expect(blind[0]!.witness ?? null).toBeNull();

    const [result] = await verifyAudit(w.auditDir, w.store, { dir: w.witnessDir });
    const firstHead = headSeqs(w)[0]!.seq;
    expect(result).toMatchObject({ replica: 'r1', ok: false, problem: { seq: firstHead, line: firstHead, what: expect.stringMatching(/rewritten/) } });
  });

  it('finding 10: a chain truncated below its last signed head fails verify', async () => {
    const w = await world();
    await write(w, 10);
    const lastHead = headSeqs(w).at(-1)!.seq;
    expect(lastHead).toBe(10);
    await replaceEverywhere(w, chainLines(w).slice(0, 9));
    expect((await verifyAudit(w.auditDir, w.store))[0]!.ok).toBe(true);
    const [result] = await verifyAudit(w.auditDir, w.store, { dir: w.witnessDir });
    expect(result).toMatchObject({
      replica: 'r1',
      ok: false,
      problem: { seq: 10, what: expect.stringMatching(/ends at seq 9.*seq 10 \(newest records dropped\)/) },
    });

    // Removing the whole chain from both places is no better.
    rmSync(auditFile(w.auditDir, 'r1'));
    await (await ReplicaSegments.open(w.store, 'r1')).replace([]);
    const [gone] = await verifyAudit(w.auditDir, w.store, { dir: w.witnessDir });
    expect(gone).toMatchObject({ replica: 'r1', ok: false, problem: { what: expect.stringMatching(/no records/) } });
  });

  it('refuses a head signed with another key, a witness pinned to another key, and a pin that is not the trusted key', async () => {
    const w = await world();
    await write(w, 6);
    const other = await loadOrCreateSigningKey(tmp('other-keys'), AUDIT_KEY_FILE);
    const last = JSON.parse(chainLines(w).at(-1)!) as { seq: number; hash: string };
    await appendHead(w.witnessDir, 'r1', await signHead({ replica: 'r1', seq: last.seq, hash: last.hash, ts: new Date().toISOString() }, other));
    const [forged] = await verifyAudit(w.auditDir, w.store, { dir: w.witnessDir });
    expect(forged).toMatchObject({ ok: false, problem: { what: expect.stringMatching(new RegExp(`signed by key "${other.kid}".*forged`)) } });

    await expect(openAuditWitness({ keysDir: tmp('other-keys'), witnessDir: w.witnessDir })).rejects.toThrow(/not the key pinned/);
    const [changed] = await verifyAudit(w.auditDir, w.store, { dir: tmp('empty-witness'), trustedKey: other.publicJwk });
    expect(changed?.ok).toBe(true); // an empty witness pins nothing; nothing to compare
    const [repinned] = await verifyAudit(w.auditDir, w.store, { dir: w.witnessDir, trustedKey: other.publicJwk });
    expect(repinned).toMatchObject({ ok: false, problem: { what: expect.stringMatching(/witness key changed/) } });
  });

  it('a clean chain with heads verifies, one signature per interval, heads in the operational log; reopen and purge keep it verifiable', async () => {
    const w = await world();
    await write(w, 300, 256);
    expect(headSeqs(w).length).toBeLessThanOrEqual(3);
    expect(headSeqs(w).at(-1)).toMatchObject({ seq: 300 });
    const [clean] = await verifyAudit(w.auditDir, w.store, { dir: w.witnessDir });
    expect(clean).toMatchObject({ ok: true, records: 300, witness: { signedThrough: 300 } });
    expect(w.oplog.lines.at(-1)).toMatchObject({ audit_head: { replica: 'r1', seq: 300 }, jws: expect.any(String) });
    // The audit key is its own file, private, and distinct from the grant key; the pin is its public half.
    expect(statSync(path.join(w.keysDir, AUDIT_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateSigningKey(w.keysDir, GRANT_KEY_FILE)).not.toMatchObject({ kid: w.witness.key.kid });
    expect(JSON.parse(readFileSync(path.join(w.witnessDir, PINNED_KEY_FILE), 'utf8'))).toMatchObject({ x: w.witness.publicJwk.x });
    expect(readFileSync(path.join(w.witnessDir, PINNED_KEY_FILE), 'utf8')).not.toMatch(/"d"/);

    await write(w, 5);
    expect((await verifyAudit(w.auditDir, w.store, { dir: w.witnessDir }))[0]).toMatchObject({ ok: true, witness: { signedThrough: 305 } });
    const ts = (JSON.parse(chainLines(w)[149]!) as { ts: string }).ts;
    await purgeAudit(w.auditDir, new Date(Date.parse(ts) + 1), w.store);
    expect((await verifyAudit(w.auditDir, w.store, { dir: w.witnessDir }))[0]).toMatchObject({ ok: true, witness: { signedThrough: 305 } });
  });

  it('a torn tail still reports torn with a witness, and reopening repairs it', async () => {
    const w = await world();
    await write(w, 8);
    // A crash mid-append: a line never completed, so never fsync'd as a whole and never signed.
    appendFileSync(auditFile(w.auditDir, 'r1'), '{"kind":"call","seq":9,"re');
    const [torn] = await verifyAudit(w.auditDir, undefined, { dir: w.witnessDir });
    expect(torn).toMatchObject({ ok: false, tornTail: true, problem: { what: expect.stringMatching(/torn final line/) } });
    await write(w, 1);
    const [repaired] = await verifyAudit(w.auditDir, w.store, { dir: w.witnessDir });
    expect(repaired).toMatchObject({ ok: true, witness: { signedThrough: 10 } });
  });
});
