import type { AuditRecord } from './record.js';

export interface RunSummary {
  run_id: string;
  task_id: string;
  task_purpose: string;
  human: string;
  agent: string;
  transport: string;
  /** The run's first record (usually its start). */
  started_at: string;
  first_call_at: string | null;
  last_call_at: string | null;
  calls: number;
  /** Calls per decision (allowed, denied, error, killed). */
  decisions: Record<string, number>;
  /** Why the run ended, when its end is recorded. */
  end_reason: string | null;
}

export interface RunFilter {
  human?: string;
  agent?: string;
  task?: string;
  /** Runs with a call (or, without calls, a start) at or after this time. */
  since?: Date;
}

/** One summary per run from its run.start, call and run.end records, oldest first, filtered. */
export function listRuns(records: AuditRecord[], filter: RunFilter = {}): RunSummary[] {
  const runs = new Map<string, RunSummary>();
  for (const r of records) {
    if (r.kind !== 'call' && r.kind !== 'run.start' && r.kind !== 'run.end') continue;
    const run = runs.get(r.run_id) ?? {
      run_id: r.run_id,
      task_id: r.task_id,
      task_purpose: r.task_purpose,
      human: r.human,
      agent: r.agent,
      transport: r.transport,
      started_at: r.ts,
      first_call_at: null,
      last_call_at: null,
      calls: 0,
      decisions: {},
      end_reason: null,
    };
    if (r.ts < run.started_at) run.started_at = r.ts;
    if (r.kind === 'call') {
      if (!run.first_call_at || r.ts < run.first_call_at) run.first_call_at = r.ts;
      if (!run.last_call_at || r.ts > run.last_call_at) run.last_call_at = r.ts;
      run.calls += 1;
      run.decisions[r.decision] = (run.decisions[r.decision] ?? 0) + 1;
    }
    if (r.kind === 'run.end') run.end_reason = r.end_reason;
    runs.set(r.run_id, run);
  }
  const since = filter.since?.toISOString();
  return [...runs.values()]
    .filter(
      (run) =>
        (!filter.human || run.human === filter.human) &&
        (!filter.agent || run.agent === filter.agent) &&
        (!filter.task || run.task_id === filter.task) &&
        (!since || (run.last_call_at ?? run.started_at) >= since),
    )
    .sort((a, b) => a.started_at.localeCompare(b.started_at) || a.run_id.localeCompare(b.run_id));
}
