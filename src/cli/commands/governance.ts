import type { Command } from 'commander';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../../config/config.js';
import { Governance, type Actor, type SwitchScope } from '../../governance/governance.js';
import { parseTtlSeconds } from '../../identity/grant.js';
import { publishedVerificationKeys, publishVerificationKey } from '../../identity/key-registry.js';
import { loadOrCreateSigningKey } from '../../identity/keys.js';
import { PolicyEngine } from '../../policy/engine.js';
import { Store } from '../../store/store.js';
import { auditAdmin, osActor } from '../admin-audit.js';
import { configFrom } from '../context.js';
import { printTable } from '../output.js';

const APPROVER_AUDIENCE = 'clearance-approver';

async function governance(config: Config): Promise<Governance> {
  return Governance.open(await Store.open(config));
}

const scopeOf = (opts: Record<string, unknown>): { scope: SwitchScope; value: string } | null => {
  if (opts.all) return { scope: 'all', value: '*' };
  for (const scope of ['agent', 'human', 'task', 'run'] as const) if (typeof opts[scope] === 'string') return { scope, value: opts[scope] as string };
  return null;
};

/**
 * Approvers are authenticated, not named by a flag: an approver credential is a short-lived JWT
 * signed with the admin key (audience clearance-approver), handed to that human by an admin.
 */
async function authenticateApprover(config: Config, credential: string | undefined): Promise<Actor> {
  if (!credential) throw new Error('set CLEARANCE_APPROVER_TOKEN to your approver credential (an admin mints it with `clearance approvals credential --human <you>`)');
  const key = await loadOrCreateSigningKey(config.keysDir);
  const store = await Store.open(config);
  // Credentials minted on another admin machine verify through the keys published in the store.
  const keys = createLocalJWKSet({ keys: [key.publicJwk, ...(await publishedVerificationKeys(store)).filter((k) => k.kid !== key.kid)] });
  store.close();
  try {
    const { payload } = await jwtVerify(credential, keys, { audience: APPROVER_AUDIENCE, issuer: config.issuer, algorithms: ['EdDSA'] });
    if (typeof payload.sub !== 'string') throw new Error('no subject');
    return { human: payload.sub, auth: `approver-credential:${String(payload.jti ?? '')}` };
  } catch (err) {
    throw new Error(`approver credential rejected: ${(err as Error).message}`);
  }
}

export function registerGovernance(program: Command): void {
  for (const name of ['kill', 'revive'] as const) {
    program
      .command(name)
      .description(name === 'kill' ? 'stop agents now: every server sharing this store refuses matching calls within a second' : 'lift kill switches')
      .option('--all', 'every run')
      .option('--agent <agent>', 'one agent workflow')
      .option('--human <human>', 'runs on behalf of one human')
      .option('--task <task-id>', 'one task')
      .option('--run <run-id>', 'one run')
      .option('--id <switch-id>', 'revive: one switch by id')
      .option('--reason <text>', 'why (kill: required)')
      .action(async (opts: Record<string, string | boolean | undefined>, command: Command) => {
        const config = configFrom(command);
        const gov = await governance(config);
        const actor = { human: osActor(), auth: 'os-user' };
        const target = scopeOf(opts);
        if (name === 'kill') {
          if (!target) throw new Error('say what to stop: --all, --agent A, --human H, --task T or --run R');
          if (typeof opts.reason !== 'string' || !opts.reason.trim()) throw new Error('--reason is required: the record must say why');
          const row = await gov.kill(target.scope, target.value, opts.reason, actor);
          await auditAdmin(config, { action: 'kill', target: target.value, detail: { switch: row.id, scope: row.scope, reason: row.reason } });
          process.stdout.write(`kill switch ${row.id} active: ${row.scope} ${row.value} (${row.reason})\n`);
        } else {
          if (!target && typeof opts.id !== 'string') throw new Error('say what to revive: --id S, --all, --agent A, --human H, --task T or --run R');
          const revived = await gov.revive(typeof opts.id === 'string' ? { id: opts.id } : target!, actor);
          for (const row of revived) await auditAdmin(config, { action: 'revive', target: row.value, detail: { switch: row.id, scope: row.scope, reason: typeof opts.reason === 'string' ? opts.reason : null } });
          process.stdout.write(revived.length ? `revived ${revived.map((r) => r.id).join(', ')}\n` : 'no matching active kill switch\n');
        }
      });
  }

  program
    .command('status')
    .description('active kill switches and pending access requests')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const gov = await governance(config);
      const switches = await gov.activeSwitches();
      const pending = await gov.listApprovals('pending');
      if (opts.json) return void process.stdout.write(`${JSON.stringify({ switches, pending }, null, 2)}\n`);
      process.stdout.write(switches.length ? 'Active kill switches:\n' : 'No active kill switches.\n');
      printTable(switches.map((s) => ({ id: s.id, scope: s.scope, value: s.value, reason: s.reason, by: s.actor, since: s.created_at })));
      process.stdout.write(`\n${pending.length} pending access request(s)${pending.length ? ' (clearance approvals list)' : ''}.\n`);
    });

  const approvals = program.command('approvals').description('access requests from agents, and the humans who decide them');
  approvals
    .command('list')
    .option('--status <status>', 'pending, approved or denied')
    .option('--json', 'JSON output')
    .action(async (opts: { status?: 'pending' | 'approved' | 'denied'; json?: boolean }, command: Command) => {
      const rows = await (await governance(configFrom(command))).listApprovals(opts.status);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      printTable(rows.map((r) => ({ id: r.id, status: r.status, task: r.task_id, human: r.human, agent: r.agent, target: `${r.target_kind}:${r.target_id}`, reason: r.reason.slice(0, 50), decided_by: r.decided_by, expires: r.expires_at })));
    });
  approvals
    .command('approve <id>')
    .description('approve a request for its task only, for a limited time (needs CLEARANCE_APPROVER_TOKEN)')
    .option('--ttl <duration>', 'how long the approval lasts', '2h')
    .action(async (id: string, opts: { ttl: string }, command: Command) => {
      const config = configFrom(command);
      const approver = await authenticateApprover(config, process.env.CLEARANCE_APPROVER_TOKEN);
      const policy = await PolicyEngine.load(config.policyDir);
      const gov = await governance(config);
      try {
        const row = await gov.approve(id, approver, parseTtlSeconds(opts.ttl), (r) => policy.approversFor(r.target_kind, r.target_id).has(approver.human));
        await auditAdmin(config, { action: 'approval.approve', target: row.task_id, actor: approver.human, actorAuth: approver.auth, detail: { request: id, human: row.human, target: `${row.target_kind}:${row.target_id}`, expires_at: row.expires_at } });
        process.stdout.write(`approved ${id}: ${row.human} may read ${row.target_kind} ${row.target_id} for task ${row.task_id} until ${row.expires_at}\n`);
      } catch (err) {
        await auditAdmin(config, { action: 'approval.refused', target: id, actor: approver.human, actorAuth: approver.auth, detail: { error: (err as Error).message } });
        throw err;
      }
    });
  approvals
    .command('deny <id>')
    .requiredOption('--reason <text>', 'why')
    .action(async (id: string, opts: { reason: string }, command: Command) => {
      const config = configFrom(command);
      const approver = await authenticateApprover(config, process.env.CLEARANCE_APPROVER_TOKEN);
      const row = await (await governance(config)).deny(id, approver, opts.reason);
      await auditAdmin(config, { action: 'approval.deny', target: row.task_id, actor: approver.human, actorAuth: approver.auth, detail: { request: id, reason: opts.reason } });
      process.stdout.write(`denied ${id}\n`);
    });
  approvals
    .command('credential')
    .description('admin: mint an approver credential for one human (they set it as CLEARANCE_APPROVER_TOKEN)')
    .requiredOption('--human <human>', 'the approver')
    .option('--ttl <duration>', 'lifetime', '12h')
    .action(async (opts: { human: string; ttl: string }, command: Command) => {
      const config = configFrom(command);
      const policy = await PolicyEngine.load(config.policyDir);
      if (!policy.isHuman(opts.human)) throw new Error(`--human ${opts.human}: not a known human (policy/people.csv)`);
      const key = await loadOrCreateSigningKey(config.keysDir);
      const store = await Store.open(config);
      await publishVerificationKey(store, key);
      store.close();
      const jti = crypto.randomUUID();
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).setIssuer(config.issuer).setAudience(APPROVER_AUDIENCE).setSubject(opts.human).setJti(jti).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + parseTtlSeconds(opts.ttl)).sign(key.privateKey);
      await auditAdmin(config, { action: 'approver.credential', target: opts.human, detail: { jti, ttl: opts.ttl } });
      process.stdout.write(`${token}\n`);
    });
}
