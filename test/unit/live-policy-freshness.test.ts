import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { policyVersion, readPolicyFolder } from '../../src/policy/files.js';
import { LivePolicy, PolicyUnavailable } from '../../src/policy/live.js';
import { PolicyVersions } from '../../src/policy/versions.js';
import { Store } from '../../src/store/store.js';

const BOUND_MS = 10_000;

async function openPolicy(bound = BOUND_MS): Promise<{ live: LivePolicy; store: Store }> {
  const store = await Store.open({
    storeUri: path.join(mkdtempSync(path.join(tmpdir(), 'clearance-live-')), 'store'),
    storageOptions: {},
    readConsistencySeconds: 0,
  });
  const live = await LivePolicy.open(store, path.join(PACKAGE_ROOT, 'policy'));
  // A poll interval far beyond the test: only the reads the test causes happen.
  live.start({ pollMs: 3_600_000, failClosedAfterMs: bound });
  return { live, store };
}

/** The store read the policy follows, made to fail (fault injection at the one read LivePolicy makes). */
function breakReads(live: LivePolicy): void {
  const versions = (live as unknown as { versions: { liveSeq(): Promise<number> } }).versions;
  versions.liveSeq = () => Promise.reject(new Error('store unreachable'));
}

afterEach(() => vi.useRealTimers());

describe('live policy freshness (clock injected through the system time)', () => {
  it('a process too busy to poll is not refused: the next call re-reads the policy state first', async () => {
    const { live, store } = await openPolicy();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5 * BOUND_MS); // no poll ran for far longer than the bound
    expect(() => live.current()).not.toThrow();
    const before = live.lastReadAt;
    await expect(live.fresh()).resolves.toBe(live.current());
    expect(live.lastReadAt).toBeGreaterThan(before);
    live.stop();
    store.close();
  });

  it('reads failing for longer than the bound fail every call closed, naming the error; a good read restores', async () => {
    // A short bound: fresh() retries the failing read (with pauses) until the bound passes, in real time.
    const bound = 300;
    const { live, store } = await openPolicy(bound);
    const versions = (live as unknown as { versions: { liveSeq(): Promise<number> } }).versions;
    const working = versions.liveSeq.bind(versions);
    breakReads(live);
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 2 * bound);
    await live.refresh();
    expect(() => live.current()).toThrow(PolicyUnavailable);
    expect(() => live.current()).toThrow(/store unreachable/);
    await expect(live.fresh()).rejects.toThrow(PolicyUnavailable);
    versions.liveSeq = working;
    const engine = await live.fresh();
    expect(engine).toBe(live.current());
    live.stop();
    store.close();
  });

  it('a slow older read of the live version that finishes last does not bring back the older policy', async () => {
    const { live, store } = await openPolicy();
    const versions = await PolicyVersions.open(store);
    const texts = await readPolicyFolder(path.join(PACKAGE_ROOT, 'policy'));
    const by = { human: 'test', auth: 'os-user' };
    await versions.publish(texts, policyVersion(texts), by, 'v1');
    const edited = { ...texts, 'people.csv': `${texts['people.csv']}\n# narrowed\n` };
    await versions.publish(edited, policyVersion(edited), by, 'v2');
    // The first read saw v1 as live and is held; the second sees v2 and is applied first.
    const seen = live as unknown as { versions: { liveSeq(): Promise<number> } };
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    seen.versions.liveSeq = async () => (calls++ === 0 ? (await held, 1) : 2);
    const older = live.refresh();
    await new Promise((resolve) => setTimeout(resolve, 3));
    await live.refresh();
    expect(live.liveSeq).toBe(2);
    release();
    await older;
    expect(live.liveSeq, 'the older read (v1) finished last and must change nothing').toBe(2);
    expect(live.current().version).toBe(policyVersion(edited));
    live.stop();
    store.close();
  });
});
