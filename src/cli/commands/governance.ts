import type { Command } from 'commander';
import { approve, deny, issueApproverCredential } from '../../admin/approvals.js';
import { adminActor, signedInApprover } from '../../admin/sign-in.js';
import { kill, revive, type SwitchTarget } from '../../admin/switches.js';
import { withApp } from '../../app/app.js';
import { parseTtlSeconds } from '../../config/duration.js';
import { configFrom } from '../context.js';
import { printJson } from '../json.js';
import { printTable } from '../output.js';

const targetOf = (opts: Record<string, unknown>): SwitchTarget | null => {
  if (opts.all) return { scope: 'all', value: '*' };
  for (const scope of ['agent', 'human', 'task', 'run'] as const) if (typeof opts[scope] === 'string') return { scope, value: opts[scope] as string };
  return null;
};

function registerSwitches(program: Command): void {
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
      .option('--force', 'kill: stop an agent, human or task the policy or task list does not know (yet)')
      .option('--reason <text>', 'why (kill: required)')
      .option('--json', name === 'kill' ? 'print the switch as JSON' : 'print the revived switches as JSON')
      .action(async (opts: Record<string, string | boolean | undefined>, command: Command) => {
        const target = targetOf(opts);
        const reason = typeof opts.reason === 'string' ? opts.reason : null;
        await withApp(configFrom(command), async (app) => {
          if (name === 'kill') {
            if (!target) throw new Error('say what to stop: --all, --agent A, --human H, --task T or --run R');
            const row = await kill(app, target, reason ?? '', await adminActor(app, 'killSwitch', process.env), { force: Boolean(opts.force) });
            if (opts.json) return printJson(row);
            process.stdout.write(`kill switch ${row.id} active: ${row.scope} ${row.value} (${row.reason})\n`);
          } else {
            const match = typeof opts.id === 'string' ? { id: opts.id } : target;
            if (!match) throw new Error('say what to revive: --id S, --all, --agent A, --human H, --task T or --run R');
            const revived = await revive(app, match, await adminActor(app, 'killSwitch', process.env), reason);
            if (opts.json) return printJson(revived);
            process.stdout.write(`revived ${revived.map((r) => r.id).join(', ')}\n`);
          }
        });
      });
  }

  program
    .command('status')
    .description('active kill switches and pending access requests')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      await withApp(configFrom(command), async (app) => {
        const switches = await app.governance.activeSwitches();
        const pending = await app.governance.listApprovals('pending');
        if (opts.json) return void printJson({ switches, pending });
        process.stdout.write(switches.length ? 'Active kill switches:\n' : 'No active kill switches.\n');
        printTable(switches.map((s) => ({ id: s.id, scope: s.scope, value: s.value, reason: s.reason, by: s.actor, since: s.created_at })));
        process.stdout.write(`\n${pending.length} pending access request(s)${pending.length ? ' (clearance approvals list)' : ''}.\n`);
      });
    });
}

function registerApprovals(program: Command): void {
  const approvals = program.command('approvals').description('access requests from agents, and the humans who decide them');
  approvals
    .command('list')
    .description('access requests, oldest first, with the task purpose, requester and reason')
    .option('--status <status>', 'pending, approved or denied')
    .option('--json', 'JSON output')
    .action(async (opts: { status?: 'pending' | 'approved' | 'denied'; json?: boolean }, command: Command) => {
      await withApp(configFrom(command), async (app) => {
        // The approver decides knowing what the task is for, who asked (human and agent) and why.
        const purposes = new Map((await app.governance.listTasks()).map((t) => [t.task_id, t.purpose]));
        const rows = (await app.governance.listApprovals(opts.status)).map((r) => ({ ...r, task_purpose: purposes.get(r.task_id) ?? null }));
        if (opts.json) return void printJson(rows);
        printTable(
          rows.map((r) => ({
            id: r.id,
            status: r.status,
            task: r.task_id,
            purpose: (r.task_purpose ?? '(unknown task)').slice(0, 50),
            human: r.human,
            agent: r.agent,
            target: `${r.target_kind}:${r.target_id}`,
            reason: r.reason.slice(0, 50),
            decided_by: r.decided_by,
            expires: r.expires_at,
          })),
        );
      });
    });
  approvals
    .command('approve <id>')
    .description('approve a request for its task only, for a limited time (sign in: CLEARANCE_IDP_TOKEN or CLEARANCE_APPROVER_TOKEN)')
    .option('--ttl <duration>', 'how long the approval lasts', '2h')
    .option('--json', 'print the decided request as JSON')
    .action(async (id: string, opts: { ttl: string; json?: boolean }, command: Command) => {
      const ttlSeconds = parseTtlSeconds(opts.ttl);
      await withApp(configFrom(command), async (app) => {
        const row = await approve(app, id, await signedInApprover(app, process.env), ttlSeconds);
        if (opts.json) return printJson(row);
        process.stdout.write(`approved ${id}: ${row.human} may read ${row.target_kind} ${row.target_id} for task ${row.task_id} until ${row.expires_at}\n`);
      });
    });
  approvals
    .command('deny <id>')
    .description('deny a request (sign in: CLEARANCE_IDP_TOKEN or CLEARANCE_APPROVER_TOKEN)')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'print the decided request as JSON')
    .action(async (id: string, opts: { reason: string; json?: boolean }, command: Command) => {
      await withApp(configFrom(command), async (app) => {
        const row = await deny(app, id, await signedInApprover(app, process.env), opts.reason);
        if (opts.json) return printJson(row);
        process.stdout.write(`denied ${id}\n`);
      });
    });
  approvals
    .command('credential')
    .description('admin: mint an approver credential for one human (they set it as CLEARANCE_APPROVER_TOKEN)')
    .requiredOption('--human <human>', 'the approver')
    .option('--ttl <duration>', 'lifetime', '12h')
    .option('--json', 'print the human, lifetime and credential as JSON')
    .action(async (opts: { human: string; ttl: string; json?: boolean }, command: Command) => {
      const ttlSeconds = parseTtlSeconds(opts.ttl);
      await withApp(configFrom(command), async (app) => {
        const credential = await issueApproverCredential(app, opts.human, ttlSeconds, await adminActor(app, 'admin', process.env));
        if (opts.json) return printJson({ human: opts.human, ttlSeconds, credential });
        process.stdout.write(`${credential}\n`);
      });
    });
}

export function registerGovernance(program: Command): void {
  registerSwitches(program);
  registerApprovals(program);
}
