import { NewestReads, readUntilFresh, STALE_AFTER_MS } from '../config/freshness.js';
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
  private readonly reads = new NewestReads();
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

  /** A read that includes every commit before `notBefore` (default: before this call); only the newest read's result is kept. */
  refresh(notBefore = Date.now()): Promise<void> {
    return this.reads.refresh(notBefore, async (read) => {
      try {
        const [switches, revoked] = await Promise.all([this.governance.activeSwitches(), this.governance.revokedTasks()]);
        if (!read.claim()) return;
        this.switches = switches;
        this.revoked = revoked;
        this.lastRead = Math.max(this.lastRead, read.started);
        this.lastError = null;
      } catch (err) {
        if (!read.superseded()) this.lastError = (err as Error).message;
      }
    });
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
