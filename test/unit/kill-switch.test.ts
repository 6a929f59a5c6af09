import { describe, expect, it } from 'vitest';
import type { Governance } from '../../src/governance/governance.js';
import type { SwitchRow } from '../../src/governance/tables.js';
import { STALE_AFTER_MS } from '../../src/config/freshness.js';
import { KillSwitchWatcher, switchMatches } from '../../src/governance/watcher.js';
import type { RequestIdentity } from '../../src/identity/identity.js';

const identity: RequestIdentity = {
  human: 'frank',
  agent: 'ops-agent',
  taskId: 'task-1',
  purpose: 'p',
  runId: 'run-1',
  transport: 'test',
  scope: {},
  grantExpiresAt: '2099-01-01T00:00:00.000Z',
};
const sw = (scope: SwitchRow['scope'], value: string, id = `${scope}-${value}`): SwitchRow => ({
  id,
  scope,
  value,
  reason: `stop ${scope}`,
  actor: 'frank',
  actor_auth: 'test',
  created_at: '2026-11-24T00:00:00.000Z',
  revived_at: null,
  revived_by: null,
});

describe('switchMatches', () => {
  it('"all" matches every identity, whatever its value', () => {
    expect(switchMatches({ scope: 'all', value: '' }, identity)).toBe(true);
    expect(switchMatches({ scope: 'all', value: 'someone-else' }, identity)).toBe(true);
  });

  it('each scope compares its own field of the identity, exactly', () => {
    const cases: [SwitchRow['scope'], keyof RequestIdentity][] = [
      ['agent', 'agent'],
      ['human', 'human'],
      ['task', 'taskId'],
      ['run', 'runId'],
    ];
    for (const [scope, field] of cases) {
      const own = identity[field] as string;
      expect(switchMatches({ scope, value: own }, identity), `${scope} = own ${field}`).toBe(true);
      expect(switchMatches({ scope, value: `${own}x` }, identity), `${scope} = other`).toBe(false);
      expect(switchMatches({ scope, value: own.toUpperCase() }, identity), `${scope} is case-sensitive`).toBe(false);
      expect(switchMatches({ scope, value: '' }, identity), `${scope} empty value`).toBe(false);
    }
  });

  it('a value matching a different field does not match (a human switch named like the agent)', () => {
    expect(switchMatches({ scope: 'human', value: 'ops-agent' }, identity)).toBe(false);
    expect(switchMatches({ scope: 'agent', value: 'frank' }, identity)).toBe(false);
    expect(switchMatches({ scope: 'run', value: 'task-1' }, identity)).toBe(false);
  });
});

/** A Governance stand-in exposing only what the watcher reads; `fail` makes the next reads throw. */
function fakeGovernance(switches: SwitchRow[] = [], revoked: string[] = []) {
  const state = { switches, revoked: new Set(revoked), fail: null as string | null };
  const governance = {
    async activeSwitches() {
      if (state.fail) throw new Error(state.fail);
      return state.switches;
    },
    async revokedTasks() {
      if (state.fail) throw new Error(state.fail);
      return state.revoked;
    },
  } as unknown as Governance;
  return { state, governance };
}

/** Refreshes and returns a time at which that read is certainly fresh, and one at which it is certainly stale. */
async function refreshed(watcher: KillSwitchWatcher) {
  const before = Date.now();
  await watcher.refresh();
  const after = Date.now();
  return { fresh: before + STALE_AFTER_MS, stale: after + STALE_AFTER_MS + 1 };
}

describe('KillSwitchWatcher.killedFor', () => {
  it('fails closed before the first successful read', () => {
    const { governance } = fakeGovernance();
    expect(new KillSwitchWatcher(governance).killedFor(identity)).toMatchObject({
      id: 'governance-unavailable',
      reason: expect.stringMatching(/refusing \(fail closed\)$/),
    });
  });

  it('no matching switch and no revoked task: not killed', async () => {
    const { governance } = fakeGovernance([sw('human', 'alice'), sw('agent', 'claude-code')], ['task-2']);
    const watcher = new KillSwitchWatcher(governance);
    const { fresh } = await refreshed(watcher);
    expect(watcher.killedFor(identity, fresh)).toBeNull();
  });

  it('a matching switch kills, with its id and a reason naming the scope', async () => {
    const { governance } = fakeGovernance([sw('human', 'alice'), sw('human', 'frank', 'k1')]);
    const watcher = new KillSwitchWatcher(governance);
    const { fresh } = await refreshed(watcher);
    expect(watcher.killedFor(identity, fresh)).toEqual({ id: 'k1', reason: 'human frank stopped: stop human' });
  });

  it('"all" has its own reason', async () => {
    const { governance } = fakeGovernance([sw('all', '', 'k-all')]);
    const watcher = new KillSwitchWatcher(governance);
    const { fresh } = await refreshed(watcher);
    expect(watcher.killedFor(identity, fresh)).toEqual({ id: 'k-all', reason: 'all agents stopped: stop all' });
  });

  it('a revoked task kills, and takes precedence over a switch', async () => {
    const { governance } = fakeGovernance([sw('agent', 'ops-agent', 'k-agent')], ['task-1']);
    const watcher = new KillSwitchWatcher(governance);
    const { fresh } = await refreshed(watcher);
    expect(watcher.killedFor(identity, fresh)).toEqual({ id: 'revoked:task-1', reason: 'task task-1 was revoked' });
    expect(watcher.killedFor({ ...identity, taskId: 'task-9' }, fresh)).toMatchObject({ id: 'k-agent' });
  });

  it('picks up switches and revivals on the next refresh', async () => {
    const { state, governance } = fakeGovernance();
    const watcher = new KillSwitchWatcher(governance);
    expect(watcher.killedFor(identity, (await refreshed(watcher)).fresh)).toBeNull();
    state.switches = [sw('run', 'run-1', 'k-run')];
    expect(watcher.killedFor(identity, (await refreshed(watcher)).fresh)).toMatchObject({ id: 'k-run' });
    state.switches = [];
    expect(watcher.killedFor(identity, (await refreshed(watcher)).fresh)).toBeNull();
  });

  it('fails closed once the last successful read is older than STALE_AFTER_MS (clock via `now`)', async () => {
    const { governance } = fakeGovernance();
    const watcher = new KillSwitchWatcher(governance);
    const { fresh, stale } = await refreshed(watcher);
    expect(watcher.killedFor(identity, fresh)).toBeNull();
    expect(watcher.killedFor(identity, stale)).toEqual({
      id: 'governance-unavailable',
      reason: `kill-switch state could not be read for over ${STALE_AFTER_MS} ms; refusing (fail closed)`,
    });
  });

  it('a failing read keeps the last state while fresh, then fails closed naming the error; a good read recovers', async () => {
    const { state, governance } = fakeGovernance([sw('human', 'frank', 'k1')]);
    const watcher = new KillSwitchWatcher(governance);
    const { fresh, stale } = await refreshed(watcher);
    state.fail = 'store unreachable';
    state.switches = [];
    await expect(watcher.refresh()).resolves.toBeUndefined();
    // Still the last known state (frank stopped), not "nothing stopped".
    expect(watcher.killedFor(identity, fresh)).toMatchObject({ id: 'k1' });
    expect(watcher.killedFor(identity, stale)).toEqual({
      id: 'governance-unavailable',
      reason: `kill-switch state could not be read for over ${STALE_AFTER_MS} ms (store unreachable); refusing (fail closed)`,
    });
    state.fail = null;
    const again = await refreshed(watcher);
    expect(watcher.killedFor(identity, again.fresh)).toBeNull();
  });

  it('check(): state older than the call is read again first, so a busy machine or a slow read is not a refusal', async () => {
    const { state, governance } = fakeGovernance();
    const watcher = new KillSwitchWatcher(governance);
    await watcher.refresh();
    // Long after the last read (no poll timer here), a switch appears: check() must read it, not fail closed.
    await new Promise((r) => setTimeout(r, STALE_AFTER_MS + 50));
    state.switches = [sw('human', 'frank', 'k-late')];
    expect(await watcher.check(identity)).toMatchObject({ id: 'k-late' });
    state.switches = [];
    await new Promise((r) => setTimeout(r, STALE_AFTER_MS + 50));
    expect(await watcher.check(identity)).toBeNull();
  });

  it('check(): when no read succeeds within failClosedAfterMs, the call is refused (fail closed)', async () => {
    const { state, governance } = fakeGovernance();
    const watcher = new KillSwitchWatcher(governance, 50);
    state.fail = 'store unreachable';
    expect(await watcher.check(identity)).toMatchObject({ id: 'governance-unavailable', reason: expect.stringContaining('store unreachable') });
  });

  it('leak-mcp world 24xgn59: refresh() after a kill includes it even while an older read is in flight, and the older read finishing last changes nothing', async () => {
    // The first read is held open until released: it started before the kill, so it cannot contain it.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reads = 0;
    const state = { switches: [] as SwitchRow[] };
    const governance = {
      async activeSwitches() {
        const snapshot = state.switches;
        if (reads++ === 0) await held;
        return snapshot;
      },
      async revokedTasks() {
        return new Set<string>();
      },
    } as unknown as Governance;
    const watcher = new KillSwitchWatcher(governance);
    const older = watcher.refresh();
    await new Promise((r) => setTimeout(r, 5));
    state.switches = [sw('task', 'task-1', 'k-kill')]; // the kill commits
    const newer = watcher.refresh();
    expect(reads, 'refresh() after the kill started its own read instead of joining the older one').toBe(2);
    await newer;
    expect(watcher.killedFor(identity)).toMatchObject({ id: 'k-kill' });
    release();
    await older;
    expect(watcher.killedFor(identity)).toMatchObject({ id: 'k-kill' });
  });
});
