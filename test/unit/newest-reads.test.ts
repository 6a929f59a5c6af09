import { describe, expect, it } from 'vitest';
import { NewestReads, type Read } from '../../src/config/freshness.js';

/** A read the test finishes by hand, recording whether it got to apply its result. */
function heldRead(applied: string[], label: string) {
  let finish!: () => void;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  const read = async (r: Read) => {
    await gate;
    if (r.claim()) applied.push(label);
  };
  return { read, finish };
}

const later = () => new Promise((resolve) => setTimeout(resolve, 3));

describe('NewestReads: only the newest read of shared state counts', () => {
  it('joins the read in flight only when it started after notBefore', async () => {
    const reads = new NewestReads();
    let started = 0;
    const applied: string[] = [];
    const first = heldRead(applied, 'first');
    const done = reads.refresh(Date.now() - 1_000, async (r) => {
      started++;
      await first.read(r);
    });
    expect(reads.inFlightSince).not.toBeNull();
    // Asked for state newer than a second ago: the read in flight started after that, so it is joined.
    expect(reads.refresh(Date.now() - 1_000, async () => void started++)).toBe(done);
    expect(started).toBe(1);
    first.finish();
    await done;
    expect(reads.inFlightSince).toBeNull();
    expect(applied).toEqual(['first']);
  });

  it('a refresh asked after a commit starts its own read; the older read finishing last is dropped', async () => {
    const reads = new NewestReads();
    const applied: string[] = [];
    const older = heldRead(applied, 'older');
    const newer = heldRead(applied, 'newer');
    const olderDone = reads.refresh(Date.now(), older.read);
    await later(); // a commit lands here: the older read may not contain it
    const newerDone = reads.refresh(Date.now(), newer.read);
    expect(newerDone).not.toBe(olderDone);
    newer.finish();
    await newerDone;
    older.finish();
    await olderDone;
    expect(applied, 'the older read finished last and must change nothing').toEqual(['newer']);
  });

  it('reads started in the same millisecond are still ordered: the later one wins whichever finishes last', async () => {
    const reads = new NewestReads();
    const applied: string[] = [];
    const a = heldRead(applied, 'a');
    const b = heldRead(applied, 'b');
    const now = Date.now();
    // notBefore equal to the in-flight read's start does not join it: that read may predate a commit made in the same millisecond.
    const aDone = reads.refresh(now + 60_000, a.read);
    const bDone = reads.refresh(now + 60_000, b.read);
    b.finish();
    await bDone;
    a.finish();
    await aDone;
    expect(applied).toEqual(['b']);
  });

  it('superseded() tells a failing older read not to record its error over newer state', async () => {
    const reads = new NewestReads();
    const seen: boolean[] = [];
    let finishOlder!: () => void;
    const olderDone = reads.refresh(Date.now(), async (r) => {
      await new Promise<void>((resolve) => (finishOlder = resolve));
      seen.push(r.superseded());
    });
    await later();
    await reads.refresh(Date.now(), async (r) => void seen.push(r.superseded(), r.claim()));
    finishOlder();
    await olderDone;
    expect(seen).toEqual([false, true, true]);
  });
});
