import { readUntilFresh, STALE_AFTER_MS } from '../config/freshness.js';
import type { RequestIdentity } from '../identity/identity.js';

import type { Governance } from './governance.js';
import type { SwitchRow } from './tables.js';

export const POLL_MS = 200;

export interface KillVerdict {
  id: string;
  reason: string;
}

export function switchMatches(s: Pick<SwitchRow, 'scope' | 'value'>, identity: RequestIdentity): boolean {
  switch (s.scope) {
    case 'all':
      return true;
    case 'agent':
      return s.value === identity.agent;
    case 'human':
      return s.value === identity.human;
    case 'task':
      return s.value === identity.taskId;
    case 'run':
      return s.value === identity.runId;
  }
}

/**
 * Keeps a fresh copy of the kill switches and revoked tasks for one server process. A call is
 * decided from a read that started at most STALE_AFTER_MS before the call did: when the copy is
 * older (a busy machine, a slow store), the call waits for a new read, up to `failClosedAfterMs`,
 * and is refused if none arrives (an unknown switch state fails closed).
 */
export class KillSwitchWatcher {
  private switches: SwitchRow[] = [];
  private revoked = new Set<string>();
  /** When the last successful read started: its state includes every commit before that moment. */
  private lastRead = 0;
  /** The start of the read whose result is held: an older read that finishes later is discarded. */
  private heldFrom = -1;
  private inFlight: { started: number; done: Promise<void> } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly governance: Governance,
    private readonly failClosedAfterMs = 10_000,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    const tick = async () => {
      await this.refresh();
      if (this.timer) this.timer = setTimeout(tick, POLL_MS);
    };
    this.timer = setTimeout(tick, POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** For health and metrics: when the last successful read started (ms epoch, 0 before any) and what it holds. */
  get state(): { lastReadAt: number; activeSwitches: number; revokedTasks: number; lastError: string | null } {
    return { lastReadAt: this.lastRead, activeSwitches: this.switches.length, revokedTasks: this.revoked.size, lastError: this.lastError };
  }

  /**
   * A read that includes every commit before `notBefore` (default: before this call). It joins the read
   * in flight when that one started late enough, else starts another; whichever finishes, only the
   * newest read's result is kept, so a slow older read never replaces newer state.
   */
  refresh(notBefore = Date.now()): Promise<void> {
    if (this.inFlight && this.inFlight.started >= notBefore) return this.inFlight.done;
    const started = Date.now();
    const done = (async () => {
      try {
        const [switches, revoked] = await Promise.all([this.governance.activeSwitches(), this.governance.revokedTasks()]);
        if (started < this.heldFrom) return;
        this.heldFrom = started;
        this.switches = switches;
        this.revoked = revoked;
        this.lastRead = Math.max(this.lastRead, started);
        this.lastError = null;
      } catch (err) {
        if (started >= this.heldFrom) this.lastError = (err as Error).message;
      }
    })();
    const current = { started, done };
    this.inFlight = current;
    void done.finally(() => {
      if (this.inFlight === current) this.inFlight = null;
    });
    return done;
  }

  /** The verdict for a call starting now, from state at most STALE_AFTER_MS older than the call. */
  async check(identity: RequestIdentity): Promise<KillVerdict | null> {
    const asked = Date.now();
    if (asked - this.lastRead <= STALE_AFTER_MS) return this.killedFor(identity, asked);
    const deadline = asked + this.failClosedAfterMs;
    await readUntilFresh(
      { stale: () => asked - this.lastRead > STALE_AFTER_MS, read: () => this.refresh(asked - STALE_AFTER_MS), failed: () => this.lastError !== null },
      deadline,
    );
    return this.killedFor(identity, asked);
  }

  /** The verdict from the state held now; `now` is when the call asked. */
  killedFor(identity: RequestIdentity, now = Date.now()): KillVerdict | null {
    if (now - this.lastRead > STALE_AFTER_MS) {
      return {
        id: 'governance-unavailable',
        reason: `kill-switch state could not be read for over ${STALE_AFTER_MS} ms${this.lastError ? ` (${this.lastError})` : ''}; refusing (fail closed)`,
      };
    }
    if (this.revoked.has(identity.taskId)) return { id: `revoked:${identity.taskId}`, reason: `task ${identity.taskId} was revoked` };
    const hit = this.switches.find((s) => switchMatches(s, identity));
    return hit ? { id: hit.id, reason: `${hit.scope === 'all' ? 'all agents stopped' : `${hit.scope} ${hit.value} stopped`}: ${hit.reason}` } : null;
  }
}
