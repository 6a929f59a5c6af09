import type { Command } from 'commander';
import { osActor } from '../../admin/record.js';
import { revokeTask, startTask } from '../../admin/tasks.js';
import { withApp } from '../../app/app.js';
import type { Config } from '../../config/config.js';
import { parseTtlSeconds } from '../../config/duration.js';
import { MethodSchema, TaskScopeSchema, type TaskScope } from '../../identity/identity.js';
import { configFrom } from '../context.js';
import { printTable } from '../output.js';

const list = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : undefined;

export function clientSnippets(config: Config, token: string, name = 'clearance'): string {
  const url = `http://${config.httpHost}:${config.httpPort}${new URL(config.resource).pathname}`;
  const desktop = {
    mcpServers: { [name]: { command: 'npx', args: ['clearance', 'serve', '--stdio'], env: { CLEARANCE_TASK_TOKEN: token, CLEARANCE_HOME: config.home } } },
  };
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

function scopeFrom(opts: { sources?: string; classes?: string; methods?: string }): TaskScope {
  const parsed = TaskScopeSchema.safeParse({
    sources: list(opts.sources),
    classes: list(opts.classes),
    methods: list(opts.methods)?.map((m) => MethodSchema.parse(m)),
  });
  if (!parsed.success) throw new Error(`task scope: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as TaskScope;
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
    .action(
      async (
        opts: { owner: string; agent: string; purpose: string; sources?: string; classes?: string; methods?: string; ttl: string; tokenOnly?: boolean },
        command: Command,
      ) => {
        const config = configFrom(command);
        const request = {
          human: opts.owner,
          agent: opts.agent,
          purpose: opts.purpose,
          scope: scopeFrom(opts),
          ttlSeconds: parseTtlSeconds(opts.ttl),
          actor: osActor(),
        };
        const { token, grant } = await withApp(config, (app) => startTask(app, request));
        if (opts.tokenOnly) return void process.stdout.write(`${token}\n`);
        process.stdout.write(
          `task ${grant.taskId} for ${grant.human} via ${grant.agent}, until ${grant.expiresAt.toISOString()}\n\nCLEARANCE_TASK_TOKEN=${token}\n\n${clientSnippets(config, token)}\n`,
        );
      },
    );
  task
    .command('list')
    .description('issued task grants (tokens are never stored)')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const tasks = await withApp(configFrom(command), (app) => app.governance.listTasks());
      if (opts.json) return void process.stdout.write(`${JSON.stringify(tasks, null, 2)}\n`);
      const now = Date.now();
      printTable(
        tasks.map((t) => ({
          task: t.task_id,
          human: t.human,
          agent: t.agent,
          purpose: t.purpose.slice(0, 40),
          scope: t.scope,
          expires: t.expires_at,
          status: t.revoked_at ? `revoked by ${t.revoked_by}` : Date.parse(t.expires_at) < now ? 'expired' : 'active',
        })),
      );
    });
  task
    .command('revoke <task-id>')
    .description('revoke a task: its runs stop within a second, its grant no longer opens sessions')
    .option('--reason <text>', 'why', 'revoked by admin')
    .action(async (taskId: string, opts: { reason: string }, command: Command) => {
      const row = await withApp(configFrom(command), (app) => revokeTask(app, taskId, opts.reason, osActor()));
      process.stdout.write(`revoked task ${taskId} (${row.human} via ${row.agent})\n`);
    });
}
