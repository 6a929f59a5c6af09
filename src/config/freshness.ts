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
