import type { App } from '../app/app.js';
import type { Actor, SwitchScope } from '../governance/governance.js';
import type { SwitchRow } from '../governance/tables.js';
import { AdminError } from './tasks.js';
import { auditAdmin } from './record.js';

export interface SwitchTarget {
  scope: SwitchScope;
  value: string;
}

/**
 * Whether a switch target names something that exists: a known agent or human, an issued task. A
 * run id cannot be checked (runs live in the audit record), and `force` allows a pre-emptive switch.
 */
async function checkTarget(app: App, target: SwitchTarget): Promise<void> {
  const policy = app.policy();
  if (target.scope === 'agent' && !policy.isAgent(target.value))
    throw new AdminError(
      `--agent ${target.value}: no such agent workflow (known: ${policy.knownAgents().join(', ')}); pass --force to stop it before it exists`,
    );
  if (target.scope === 'human' && !policy.isHuman(target.value))
    throw new AdminError(`--human ${target.value}: not a known human; pass --force to stop them before they exist`);
  if (target.scope === 'task' && !(await app.governance.listTasks()).some((t) => t.task_id === target.value))
    throw new AdminError(`--task ${target.value}: no such task (see \`clearance task list\`); pass --force to stop it anyway`);
}

export async function kill(app: App, target: SwitchTarget, reason: string, actor: Actor, options: { force?: boolean } = {}): Promise<SwitchRow> {
  if (!reason.trim()) throw new AdminError('--reason is required: the record must say why');
  if (!options.force) await checkTarget(app, target);
  const row = await app.governance.kill(target.scope, target.value, reason, actor);
  await auditAdmin(app, { action: 'kill', target: target.value, actor, detail: { switch: row.id, scope: row.scope, reason: row.reason } });
  return row;
}

/** Lifts matching active switches; reviving nothing is an error (a typo must not look like success). */
export async function revive(app: App, match: { id: string } | SwitchTarget, actor: Actor, reason: string | null): Promise<SwitchRow[]> {
  const revived = await app.governance.revive(match, actor);
  if (revived.length === 0)
    throw new AdminError(`no active kill switch matches ${'id' in match ? `--id ${match.id}` : `--${match.scope} ${match.value}`}; see \`clearance status\``);
  for (const row of revived) await auditAdmin(app, { action: 'revive', target: row.value, actor, detail: { switch: row.id, scope: row.scope, reason } });
  return revived;
}
