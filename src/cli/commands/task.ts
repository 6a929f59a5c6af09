import type { Command } from 'commander';
import { Governance } from '../../governance/governance.js';
import { mintGrant, parseTtlSeconds } from '../../identity/grant.js';
import { MethodSchema, TaskScopeSchema, type TaskScope } from '../../identity/identity.js';
import { publishVerificationKey } from '../../identity/key-registry.js';
import { loadOrCreateSigningKey } from '../../identity/keys.js';
import { PolicyEngine } from '../../policy/engine.js';
import { Store } from '../../store/store.js';
import type { Config } from '../../config/config.js';
import { auditAdmin, osActor } from '../admin-audit.js';
import { configFrom } from '../context.js';
import { printTable } from '../output.js';

const list = (value: string | undefined) => (value ? value.split(',').map((v) => v.trim()).filter(Boolean) : undefined);

/** A task's scope may only narrow: every class/method named must be within the agent workflow and the human's reach. */
export function checkScopeNarrows(policy: PolicyEngine, human: string, agent: string, scope: TaskScope): void {
  if (!policy.isHuman(human)) throw new Error(`--owner ${human}: not a known human (people are listed in policy/people.csv)`);
  if (!policy.isAgent(agent)) throw new Error(`--agent ${agent}: no such agent workflow (see policy/agents.csv: ${policy.knownAgents().join(', ')})`);
  for (const c of scope.classes ?? []) {
    if (!policy.classInfo(c)) throw new Error(`--classes: unknown data class "${c}"`);
    if (!policy.agentUses(agent, 'class', c).allowed) throw new Error(`--classes: ${agent}'s workflow does not include "${c}"; a task can only narrow it`);
    if (policy.classAccess(human, c).access === 'none') throw new Error(`--classes: ${human} cannot read "${c}"; a task can only narrow the human's rights`);
  }
  for (const m of scope.methods ?? []) {
    if (!policy.methodAllowed(agent, m).allowed) throw new Error(`--methods: ${agent}'s workflow does not allow "${m}"`);
  }
}

export function clientSnippets(config: Config, token: string, name = 'clearance'): string {
  const url = `http://${config.httpHost}:${config.httpPort}${new URL(config.resource).pathname}`;
  const desktop = { mcpServers: { [name]: { command: 'npx', args: ['clearance', 'serve', '--stdio'], env: { CLEARANCE_TASK_TOKEN: token, CLEARANCE_HOME: config.home } } } };
  return [
    'Claude Code (stdio):',
    `  claude mcp add ${name} --env CLEARANCE_TASK_TOKEN=${token} --env CLEARANCE_HOME=${config.home} -- npx clearance serve --stdio`,
    '',
    'Claude Desktop (claude_desktop_config.json):',
    JSON.stringify(desktop, null, 2).replace(/^/gm, '  '),
    '',
    `HTTP clients (after \`clearance serve --http\`): ${url}`,
    `  Authorization: Bearer ${token}`,
  ].join('\n');
}

export function registerTask(program: Command): void {
  const task = program.command('task').description('task grants: the only credential an agent presents');
  task
    .command('start')
    .description('mint a signed, expiring task grant for one human, one agent, one purpose')
    .requiredOption('--owner <human>', 'the human the agent works for')
    .requiredOption('--agent <agent>', 'the agent workflow (policy/agents.csv)')
    .requiredOption('--purpose <text>', 'why: recorded with every call')
    .option('--sources <ids>', 'comma-separated sources (narrows)')
    .option('--classes <ids>', 'comma-separated data classes (narrows)')
    .option('--methods <names>', 'comma-separated MCP methods (narrows)')
    .option('--ttl <duration>', 'lifetime, e.g. 90m, 8h, 2d', '8h')
    .option('--token-only', 'print only the token (for scripts)')
    .action(async (opts: { owner: string; agent: string; purpose: string; sources?: string; classes?: string; methods?: string; ttl: string; tokenOnly?: boolean }, command: Command) => {
      const config = configFrom(command);
      const parsed = TaskScopeSchema.safeParse({ sources: list(opts.sources), classes: list(opts.classes), methods: list(opts.methods)?.map((m) => MethodSchema.parse(m)) });
      if (!parsed.success) throw new Error(`task scope: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const scope = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as TaskScope;
      const policy = await PolicyEngine.load(config.policyDir);
      checkScopeNarrows(policy, opts.owner, opts.agent, scope);
      const ttlSeconds = parseTtlSeconds(opts.ttl);
      const key = await loadOrCreateSigningKey(config.keysDir);
      const { token, grant } = await mintGrant(key, config, { human: opts.owner, agent: opts.agent, purpose: opts.purpose, scope, ttlSeconds });
      const store = await Store.open(config);
      await publishVerificationKey(store, key);
      const governance = await Governance.open(store);
      await governance.recordTask({ task_id: grant.taskId, jti: grant.jti, human: grant.human, agent: grant.agent, purpose: grant.purpose, scope: JSON.stringify(scope), issued_at: grant.issuedAt.toISOString(), expires_at: grant.expiresAt.toISOString(), issued_by: osActor(), revoked_at: null, revoked_by: null });
      await auditAdmin(config, { action: 'task.start', target: grant.taskId, detail: { human: grant.human, agent: grant.agent, purpose: grant.purpose, scope, expires_at: grant.expiresAt.toISOString(), jti: grant.jti } });
      if (opts.tokenOnly) {
        process.stdout.write(`${token}\n`);
        return;
      }
      process.stdout.write(`task ${grant.taskId} for ${grant.human} via ${grant.agent}, until ${grant.expiresAt.toISOString()}\n\nCLEARANCE_TASK_TOKEN=${token}\n\n${clientSnippets(config, token)}\n`);
    });
  task
    .command('list')
    .description('issued task grants (tokens are never stored)')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const tasks = await (await Governance.open(await Store.open(config))).listTasks();
      if (opts.json) return void process.stdout.write(`${JSON.stringify(tasks, null, 2)}\n`);
      const now = Date.now();
      printTable(tasks.map((t) => ({ task: t.task_id, human: t.human, agent: t.agent, purpose: t.purpose.slice(0, 40), scope: t.scope, expires: t.expires_at, status: t.revoked_at ? `revoked by ${t.revoked_by}` : Date.parse(t.expires_at) < now ? 'expired' : 'active' })));
    });
  task
    .command('revoke <task-id>')
    .description('revoke a task: its runs stop within a second, its grant no longer opens sessions')
    .option('--reason <text>', 'why', 'revoked by admin')
    .action(async (taskId: string, opts: { reason: string }, command: Command) => {
      const config = configFrom(command);
      const row = await (await Governance.open(await Store.open(config))).revokeTask(taskId, { human: osActor(), auth: 'os-user' });
      await auditAdmin(config, { action: 'task.revoke', target: taskId, detail: { reason: opts.reason, human: row.human, agent: row.agent } });
      process.stdout.write(`revoked task ${taskId} (${row.human} via ${row.agent})\n`);
    });
}
