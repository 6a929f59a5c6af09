import { userInfo } from 'node:os';
import type { Config } from '../config/config.js';
import { AuditLog } from '../audit/log.js';
import { AuditShipper } from '../audit/shipper.js';
import { Store } from '../store/store.js';

/** Who ran an admin command: the local OS user (whoever can write the store and read the keys). */
export function osActor(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Admin actions go to the same hash-chained log as agent calls, under this CLI's own replica file. */
export async function auditAdmin(
  config: Config,
  event: { action: string; target: string; detail: Record<string, unknown>; actor?: string; actorAuth?: string },
): Promise<void> {
  const log = AuditLog.open({ auditDir: config.auditDir, replicaId: `${config.replicaId}-cli` });
  try {
    await log.append({ kind: 'admin', actor: event.actor ?? osActor(), actor_auth: event.actorAuth ?? 'os-user', action: event.action, target: event.target, detail: event.detail });
  } finally {
    await log.close();
  }
  // Admin actions on any machine reach the shared store at once, beside the replicas' chains.
  const store = await Store.open(config);
  try {
    await (await AuditShipper.start(store, log, 0)).stop();
  } finally {
    store.close();
  }
}
