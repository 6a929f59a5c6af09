import type { RequestIdentity } from '../identity/identity.js';
import type { Governance } from './governance.js';
import type { SwitchRow } from './tables.js';

export const POLL_MS = 200;
/** Past this without a successful read, every call is refused: an unknown switch state fails closed. */
export const STALE_AFTER_MS = 1_000;

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
 * Keeps a fresh copy of the kill switches and revoked tasks for one server process, so that checking a
 * call (at its start and again before its answer leaves) is synchronous and cheap.
 */
export class KillSwitchWatcher {
  private switches: SwitchRow[] = [];
  private revoked = new Set<string>();
  private lastRead = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastError: string | null = null;

  constructor(private readonly governance: Governance) {}

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

  async refresh(): Promise<void> {
    try {
      const [switches, revoked] = await Promise.all([this.governance.activeSwitches(), this.governance.revokedTasks()]);
      this.switches = switches;
      this.revoked = revoked;
      this.lastRead = Date.now();
      this.lastError = null;
    } catch (err) {
      this.lastError = (err as Error).message;
    }
  }

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
