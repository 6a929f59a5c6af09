import type { Command } from 'commander';
import { readAuditRecords } from '../../audit/reader.js';
import { listRuns, type RunSummary } from '../../audit/runs.js';
import { parseDurationMs } from '../../config/duration.js';
import { Store } from '../../store/store.js';
import { configFrom } from '../context.js';
import { printJson } from '../json.js';
import { formatTable } from '../output.js';

const decisionsLine = (decisions: Record<string, number>) =>
  Object.entries(decisions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([decision, n]) => `${decision} ${n}`)
    .join(', ') || '-';

/** One line per run; every agent- or grant-chosen value (purpose, ids) is rendered inert. */
function formatRuns(runs: RunSummary[]): string {
  if (runs.length === 0) return 'no runs match\n';
  return formatTable(
    runs.map((r) => ({
      run: r.run_id,
      task: r.task_id,
      purpose: r.task_purpose.slice(0, 60),
      human: r.human,
      agent: r.agent,
      first_call: r.first_call_at ?? '-',
      last_call: r.last_call_at ?? '-',
      calls: r.calls,
      decisions: decisionsLine(r.decisions),
      ended: r.end_reason ?? 'open',
    })),
  );
}

/** `--since` as a duration back from now (`2h`, `7d`) or an ISO date/time. */
function sinceDate(value: string): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new Error(`--since ${value}: not a date; use an ISO date (2026-12-01T09:00Z) or a duration (2h, 7d)`);
    return date;
  }
  return new Date(Date.now() - parseDurationMs(value, '--since'));
}

export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description('the runs in the audit log, one line each: task, human, agent, first and last call, calls and decisions')
    .option('--human <human>', 'only runs on behalf of this human')
    .option('--agent <agent>', 'only runs of this agent workflow')
    .option('--task <task-id>', 'only runs of this task')
    .option('--since <when>', 'only runs active since: a duration back from now (2h, 7d) or an ISO date/time')
    .option('--json', 'JSON output')
    .action(async (opts: { human?: string; agent?: string; task?: string; since?: string; json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const since = opts.since === undefined ? undefined : sinceDate(opts.since);
      const store = await Store.open(config);
      let runs: RunSummary[];
      try {
        runs = listRuns(await readAuditRecords(config.auditDir, store), { human: opts.human, agent: opts.agent, task: opts.task, since });
      } finally {
        store.close();
      }
      if (opts.json) printJson(runs);
      else process.stdout.write(formatRuns(runs));
    });
}
