import { userInfo } from 'node:os';
import { openAuditLog } from '../audit/open.js';
import { AuditShipper } from '../audit/shipper.js';
import type { App } from '../app/app.js';
import type { Actor } from '../governance/governance.js';

/** Who ran an admin command: the local OS user (whoever can write the store and read the keys). */
export function osActor(): Actor {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = `uid:${process.getuid?.() ?? 'unknown'}`;
  }
  return { human: name, auth: 'os-user' };
}

export interface AdminEventInput {
  action: string;
  target: string;
  detail: Record<string, unknown>;
  actor: Actor;
}

/** Admin actions go to the same hash-chained log as agent calls, under this machine's own `-cli` chain. */
export async function auditAdmin(app: App, event: AdminEventInput): Promise<void> {
  const log = await openAuditLog(app.config, `${app.config.replicaId}-cli`);
  try {
    await log.append({
      kind: 'admin',
      actor: event.actor.human,
      actor_auth: event.actor.auth,
      action: event.action,
      target: event.target,
      detail: event.detail,
    });
  } finally {
    await log.close();
  }
  // Admin actions on any machine reach the shared store at once, beside the replicas' chains.
  await (await AuditShipper.start(app.store, log, 0)).stop();
}
