import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReplicaSegments, readShippedSegments } from '../../src/audit/segments.js';
import { Governance } from '../../src/governance/governance.js';
import { GOVERNANCE_TABLES, type TaskRow } from '../../src/governance/tables.js';
import { TAINT_TABLE, TaintStore } from '../../src/governance/taint.js';
import type { Passage } from '../../src/labels/provenance.js';
import { POLICY_TABLE, PolicyVersions } from '../../src/policy/versions.js';
import { Compactor, KEEP_VERSIONS_MS } from '../../src/store/compaction.js';
import { Store } from '../../src/store/store.js';

/**
 * The tables written on every call (received chunks, audit segments) are compacted every few commits
 * on a real LanceDB folder: fragments and versions stay bounded, no row is lost, `task_id` is indexed.
 * (Two replicas compacting one shared table over the S3-compatible store: test/e2e/scaleout.test.ts.)
 */
const openStore = () => Store.open({ storeUri: mkdtempSync(path.join(tmpdir(), 'clearance-compaction-')), storageOptions: {}, readConsistencySeconds: 0 });

const passage = (i: number): Passage => ({
  result_id: `r${i}`,
  title: `doc ${i}`,
  heading: '',
  text: `passage number ${i} with enough words to make a few shingles for the release rule`,
  owner: 'group:everyone',
  stale: false,
  age_days: null,
  provenance: {
    source: 'notes',
    doc_id: `notes/${i}.md`,
    doc_version: 'v1',
    ordinal: 0,
    span: [0, 10],
    chunk_hash: `hash-${i}`,
    data_class: i % 2 ? 'internal' : 'public',
    score: null,
    rule: 'policy.csv:1',
  },
});

/** Later than every version written so far by more than the keep window: a compaction may drop all but the current one. */
const muchLater = () => Date.now() + 2 * KEEP_VERSIONS_MS;

describe('compaction of per-call tables', () => {
  it('the received-chunks table: compacted every 5 commits, old versions dropped, task_id indexed, every row kept', async () => {
    const store = await openStore();
    const errors: string[] = [];
    const taint = await TaintStore.open(store, { everyCommits: 5, now: muchLater, onError: (_, err) => errors.push(err.message) });
    for (let i = 0; i < 23; i++) {
      await taint.record(i % 3 ? 'task-a' : 'task-b', `run-${i}`, [passage(i)]);
      await taint.compactor.settled();
    }
    expect(errors).toEqual([]);
    expect(taint.compactor.compactions).toBe(4);

    const raw = (await store.tryOpen(TAINT_TABLE))!;
    // 23 single-row commits: at most two fragments after the last compaction (at the 20th) plus the 3 since.
    expect((await raw.stats()).fragmentStats.numFragments).toBeLessThanOrEqual(5);
    expect((await raw.listVersions()).length).toBeLessThan(10);
    expect((await raw.listIndices()).map((index) => index.columns)).toContainEqual(['task_id']);

    const a = await taint.ofTask('task-a');
    const b = await taint.ofTask('task-b');
    const expected = (task: string) => [...Array(23).keys()].filter((i) => (i % 3 ? 'task-a' : 'task-b') === task).map((i) => `hash-${i}`);
    expect(a.chunks.map((c) => c.chunk_hash).sort()).toEqual(expected('task-a').sort());
    expect(b.chunks.map((c) => c.chunk_hash).sort()).toEqual(expected('task-b').sort());
    expect(a.classes).toEqual(['internal', 'public']);
    store.close();
  });

  it('versions younger than the keep window are kept (a reader on one of them still finds its files)', async () => {
    const store = await openStore();
    const taint = await TaintStore.open(store, { everyCommits: 4 });
    for (let i = 0; i < 8; i++) {
      await taint.record('task-a', `run-${i}`, [passage(i)]);
      await taint.compactor.settled();
    }
    const raw = (await store.tryOpen(TAINT_TABLE))!;
    expect(taint.compactor.compactions).toBe(2);
    expect((await raw.stats()).fragmentStats.numFragments).toBeLessThanOrEqual(2);
    // Creation, 8 inserts, 2 compactions and the index: all within the last 10 minutes, so all kept.
    expect((await raw.listVersions()).length).toBeGreaterThanOrEqual(11);
    store.close();
  });

  it("a replica's audit segments: compacted every 3 shipments, every line still read back in order", async () => {
    const store = await openStore();
    const segments = await ReplicaSegments.open(store, 'r1', { everyCommits: 3, now: muchLater });
    const lines: string[] = [];
    for (let seq = 1; seq <= 10; seq++) {
      const line = JSON.stringify({ seq, kind: 'call' });
      lines.push(line);
      await segments.ship([line]);
      await segments.compactor!.settled();
    }
    expect(segments.compactor!.compactions).toBe(3);
    const raw = (await store.tryOpen('audit_segments__r1'))!;
    expect((await raw.stats()).fragmentStats.numFragments).toBeLessThanOrEqual(2);
    const [shipped] = await readShippedSegments(store);
    expect(shipped!.lines).toEqual(lines);
    store.close();
  });

  it('the task registry: compacted as sessions register tasks, and a revocation racing a compaction is never lost', async () => {
    const store = await openStore();
    const governance = await Governance.open(store, { everyCommits: 3 });
    const task = (i: number): TaskRow => ({
      task_id: `task-${i}`,
      jti: `jti-${i}`,
      human: 'alice',
      agent: 'claude-code',
      purpose: 'compaction test',
      scope: '{}',
      issued_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      expires_at: '2026-01-02T00:00:00.000Z',
      issued_by: 'admin',
      revoked_at: null,
      revoked_by: null,
    });
    for (let i = 0; i < 12; i++) {
      await governance.recordTask(task(i));
      await governance.taskCompactor!.settled();
    }
    expect(governance.taskCompactor!.compactions).toBe(4);
    // Each revocation (an update of the row) runs while a compaction rewrites the table's fragments
    // (with the real 10-minute keep window: no version an update started from is dropped under it).
    for (let i = 0; i < 12; i += 2)
      await Promise.all([governance.revokeTask(`task-${i}`, { human: 'admin', auth: 'local' }), governance.taskCompactor!.compactNow()]);
    expect([...(await governance.revokedTasks())].sort()).toEqual(['task-0', 'task-10', 'task-2', 'task-4', 'task-6', 'task-8']);
    expect((await governance.listTasks()).map((t) => t.task_id)).toEqual([...Array(12).keys()].map((i) => `task-${i}`));
    const raw = (await store.tryOpen(GOVERNANCE_TABLES.tasks))!;
    expect((await raw.stats()).fragmentStats.numFragments).toBeLessThanOrEqual(3);
    store.close();
  });

  it('published policy versions (written by short-lived CLIs): compacted by fragment count, every version still read by number', async () => {
    const store = await openStore();
    const versions = await PolicyVersions.open(store);
    for (let i = 1; i <= 20; i++) await versions.publish({ 'people.csv': `g, user:u${i}, group:g\n` }, `hash-${i}`, { human: 'admin', auth: 'local' }, `v${i}`);
    const raw = (await store.tryOpen(POLICY_TABLE))!;
    // Compacted whenever an apply finds more than 8 fragments: never more than 9 left.
    expect((await raw.stats()).fragmentStats.numFragments).toBeLessThanOrEqual(9);
    expect(await versions.liveSeq()).toBe(20);
    for (const seq of [1, 7, 20]) expect((await versions.byNumber(seq))?.message).toBe(`v${seq}`);
    expect((await versions.get('v3'))?.version).toBe('hash-3');
    expect((await versions.get('hash-12'))?.seq).toBe(12);
    expect(await versions.byNumber(21)).toBeNull();
    store.close();
  });

  it('a failed compaction is reported with the table name and never reaches the call that triggered it', async () => {
    const reported: string[] = [];
    // The table's handle cannot be opened: storage that fails mid-way.
    const unavailable = () => Promise.reject(new Error('storage unavailable'));
    const compactor = new Compactor('gov_received', unavailable, { everyCommits: 1, onError: (table, err) => reported.push(`${table}: ${err.message}`) });
    expect(() => compactor.committed()).not.toThrow();
    await compactor.settled();
    expect(reported).toEqual(['gov_received: storage unavailable']);
    expect(compactor.lastError?.message).toBe('storage unavailable');
  });
});
