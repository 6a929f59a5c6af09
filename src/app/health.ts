import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { AuditLog } from '../audit/log.js';
import type { KillSwitchWatcher } from '../governance/watcher.js';
import type { App } from './app.js';

export interface ReadinessCheck {
  name: 'store' | 'policy' | 'audit' | 'kill_switch_watcher' | 'policy_watcher';
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

const ageMs = (since: number) => Date.now() - since;

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

async function check(name: ReadinessCheck['name'], probe: () => Promise<string> | string): Promise<ReadinessCheck> {
  try {
    return { name, ok: true, detail: await probe() };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message };
  }
}

/**
 * Whether this process can answer calls now: every condition under which a call would fail
 * closed is a failed check here, so a load balancer stops routing to it. Details name what is
 * wrong; they never carry document text.
 */
export async function readiness(app: App, watcher: KillSwitchWatcher, auditLog: AuditLog): Promise<Readiness> {
  const boundMs = app.config.governanceTimeoutSeconds * 1000;
  const checks = await Promise.all([
    check('store', async () => {
      await withTimeout(app.store.readMeta(), boundMs, 'the store');
      return 'reachable';
    }),
    check('policy', () => `version ${app.policy().version}${app.livePolicy.liveSeq ? ` (published v${app.livePolicy.liveSeq})` : ' (policy folder)'}`),
    check('audit', async () => {
      if (!auditLog.isAvailable()) throw new Error('the audit log can no longer be written (calls fail closed)');
      await access(app.config.auditDir, constants.W_OK).catch((err: NodeJS.ErrnoException) => {
        throw new Error(`the audit folder is not writable (${err.code ?? err.message})`);
      });
      return `writable, ${auditLog.lastSeq} records`;
    }),
    check('kill_switch_watcher', () => {
      const { lastReadAt, lastError } = watcher.state;
      const age = ageMs(lastReadAt);
      if (age > boundMs) throw new Error(`kill-switch state is ${age} ms old${lastError ? ` (${lastError})` : ''}`);
      return `read ${age} ms ago`;
    }),
    check('policy_watcher', () => {
      const age = ageMs(app.livePolicy.lastReadAt);
      if (age > boundMs) throw new Error(`policy state is ${age} ms old`);
      return `read ${age} ms ago`;
    }),
  ]);
  return { ready: checks.every((c) => c.ok), checks };
}
