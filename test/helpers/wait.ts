/**
 * Waiting on conditions instead of wall-clock delays: a test must not depend on how fast the machine
 * is. Time limits here are only safety nets (generous, so a busy machine is slow but not failing).
 */
export interface WaitOptions {
  /** Give up after this long (a safety net, not an expectation). Default 120 s. */
  timeoutMs?: number;
  /** Pause between probes. Default 25 ms. */
  intervalMs?: number;
  /** Named in the error when the safety net fires. */
  what?: string;
}

export const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Resolves with the first value of `probe` that is neither undefined, null nor false. A probe that
 * throws counts as "not yet". Rejects only when the safety-net timeout passes.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 120_000, intervalMs = 25, what = 'condition' }: WaitOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value as Exclude<T, undefined | null | false>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await pause(intervalMs);
  }
}

/** A random integer in [min, max]. */
export const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
