/**
 * A call is decided from governance and policy state read at most this long before it started; older
 * state is re-read first (the kill switch's and the live policy's bound, inside the 2 s revocation goal).
 */
export const STALE_AFTER_MS = 1_000;

const READ_RETRY_MS = 100;
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());

/**
 * Reads again until the state is fresh or the deadline passes (a read that hangs is abandoned at the
 * deadline); a read that failed is retried after a pause, not in a tight loop against the store.
 */
export async function readUntilFresh(state: { stale(): boolean; read(): Promise<void>; failed(): boolean }, deadline: number): Promise<void> {
  while (state.stale() && Date.now() < deadline) {
    await Promise.race([state.read(), pause(deadline - Date.now())]);
    if (state.failed()) await pause(Math.min(READ_RETRY_MS, deadline - Date.now()));
  }
}

/** One read of shared state, started by `NewestReads.refresh`. */
export interface Read {
  /** When it started (ms epoch): its result includes every commit before this moment. */
  readonly started: number;
  /** A newer read's result is already held: this one must change nothing. */
  superseded(): boolean;
  /** Hold this read's result unless a newer one is already held; false means drop it. */
  claim(): boolean;
}

/**
 * Reads of shared state where only the newest counts. `refresh(notBefore)` joins the read in flight
 * only when it started after `notBefore` (so it includes every commit before that), else starts
 * another; reads are ordered by when they started (a counter, not the millisecond clock), and a slow
 * older read that finishes last can no longer replace newer state. The kill-switch watcher and the
 * live policy each own one.
 */
export class NewestReads {
  private started = 0;
  private held = 0;
  private inFlight: { started: number; done: Promise<void> } | null = null;

  /** When the read in flight started, or null when none is. */
  get inFlightSince(): number | null {
    return this.inFlight?.started ?? null;
  }

  /** `read` must not reject: it records its own failure (only when not superseded). */
  refresh(notBefore: number, read: (read: Read) => Promise<void>): Promise<void> {
    if (this.inFlight && this.inFlight.started > notBefore) return this.inFlight.done;
    const order = ++this.started;
    const handle: Read = {
      started: Date.now(),
      superseded: () => order < this.held,
      claim: () => {
        if (order < this.held) return false;
        this.held = order;
        return true;
      },
    };
    const current = { started: handle.started, done: read(handle) };
    this.inFlight = current;
    void current.done.finally(() => {
      if (this.inFlight === current) this.inFlight = null;
    });
    return current.done;
  }
}
