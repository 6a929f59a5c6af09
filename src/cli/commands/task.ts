import type { Command } from 'commander';
import { clientLaunch, type ClientLaunch } from '../../admin/connect.js';
import { adminActor } from '../../admin/sign-in.js';
import { revokeTask, startTask } from '../../admin/tasks.js';
import { withApp } from '../../app/app.js';
import { parseTtlSeconds } from '../../config/duration.js';
import { MethodSchema, TaskScopeSchema, type TaskScope } from '../../identity/identity.js';
import { configFrom } from '../context.js';
import { printJson } from '../json.js';
import { configFileFrom } from './config-file.js';
import { commaList, printTable } from '../output.js';

/** A word for a POSIX shell: bare when safe, else single-quoted. */
const sh = (word: string) => (/^[A-Za-z0-9_/.:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
const indent = (text: string) => text.replace(/^/gm, '  ');

/**
 * What to paste into each MCP client for this grant: every snippet starts this installation (absolute
 * paths) with the same configuration (CLEARANCE_CONFIG, and whatever env or flags added), from any folder.
 */
export function clientSnippets(launch: ClientLaunch, name = 'clearance'): string {
  const token = launch.env.CLEARANCE_TASK_TOKEN!;
  const envFlags = Object.entries(launch.env).map(([k, v]) => `--env ${sh(`${k}=${v}`)}`);
  const desktop = { mcpServers: { [name]: { command: launch.command, args: launch.args, env: launch.env } } };
  const serverEnv = Object.entries(launch.env).filter(([k]) => k !== 'CLEARANCE_TASK_TOKEN');
  const serveHttp = [...serverEnv.map(([k, v]) => sh(`${k}=${v}`)), sh(launch.command), sh(launch.args[0]!), 'serve', '--http'].join(' ');
  const remote = {
    mcpServers: {
      [name]: { command: 'npx', args: ['-y', 'mcp-remote', launch.url, '--header', 'Authorization:${AUTH_HEADER}'], env: { AUTH_HEADER: `Bearer ${token}` } },
    },
  };
  return [
    'Claude Code (stdio):',
    `  claude mcp add --transport stdio ${name} ${envFlags.join(' ')} -- ${[launch.command, ...launch.args].map(sh).join(' ')}`,
    '',
    'Claude Desktop (claude_desktop_config.json):',
    indent(JSON.stringify(desktop, null, 2)),
    '',
    'Over HTTP, start the server first (same configuration):',
    `  ${serveHttp}`,
    '',
    'Claude Code (HTTP):',
    `  claude mcp add --transport http ${name} ${launch.url} --header ${sh(`Authorization: Bearer ${token}`)}`,
    '',
    'Claude Desktop through mcp-remote (HTTP; npx fetches the mcp-remote package):',
    indent(JSON.stringify(remote, null, 2)),
    '',
    `Any other HTTP client: ${launch.url}`,
    `  Authorization: Bearer ${token}`,
  ].join('\n');
}

function scopeFrom(opts: { sources?: string; classes?: string; methods?: string }): TaskScope {
  const parsed = TaskScopeSchema.safeParse({
    sources: commaList(opts.sources),
    classes: commaList(opts.classes),
    methods: commaList(opts.methods)?.map((m) => MethodSchema.parse(m)),
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
    .option('--json', 'print the grant and how a client starts the server (command, args, env) as JSON')
    .action(
      async (
        opts: {
          owner: string;
          agent: string;
          purpose: string;
          sources?: string;
          classes?: string;
          methods?: string;
          ttl: string;
          tokenOnly?: boolean;
          json?: boolean;
        },
        command: Command,
      ) => {
        const config = configFrom(command);
        const request = {
          human: opts.owner,
          agent: opts.agent,
          purpose: opts.purpose,
          scope: scopeFrom(opts),
          ttlSeconds: parseTtlSeconds(opts.ttl),
        };
        const { token, grant } = await withApp(config, async (app) => startTask(app, { ...request, actor: await adminActor(app, 'admin', process.env) }));
        if (opts.tokenOnly) return void process.stdout.write(`${token}\n`);
        const launch = clientLaunch(config, configFileFrom(command), token);
        if (opts.json) {
          const out = {
            task_id: grant.taskId,
            human: grant.human,
            agent: grant.agent,
            expires_at: grant.expiresAt.toISOString(),
            token,
            stdio: launch,
            http_url: launch.url,
          };
          return void printJson(out);
        }
        process.stdout.write(
          `task ${grant.taskId} for ${grant.human} via ${grant.agent}, until ${grant.expiresAt.toISOString()}\n\nCLEARANCE_TASK_TOKEN=${token}\n\n${clientSnippets(launch)}\n`,
        );
      },
    );
  task
    .command('list')
    .description('issued task grants (tokens are never stored)')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const tasks = await withApp(configFrom(command), (app) => app.governance.listTasks());
      if (opts.json) return void printJson(tasks);
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
    .option('--json', 'print the revoked task as JSON')
    .action(async (taskId: string, opts: { reason: string; json?: boolean }, command: Command) => {
      const row = await withApp(configFrom(command), async (app) => revokeTask(app, taskId, opts.reason, await adminActor(app, 'admin', process.env)));
      if (opts.json) return printJson(row);
      process.stdout.write(`revoked task ${taskId} (${row.human} via ${row.agent})\n`);
    });
}
