import { inertLine, plain } from '../views/inert.js';
import type { AdminEvent, AuditRecord, CallEvent, ProtocolEvent, RunEvent } from './record.js';

export interface RunTrace {
  runId: string;
  start: (RunEvent & AuditRecord) | null;
  end: (RunEvent & AuditRecord) | null;
  calls: (CallEvent & AuditRecord)[];
  /** Requests of this run below the tool pipeline (tools/list, unknown methods, malformed calls) and edge refusals that addressed its session. */
  protocol: (ProtocolEvent & AuditRecord)[];
  /** Approvals, kill switches and revocations that touch this run, its task, agent or human. */
  governance: (AdminEvent & AuditRecord)[];
  boundaryPressure: { ts: string; method: string; kind: string; detail: string; reason: string | null; outcome: string }[];
}

const GOVERNANCE_ACTIONS = /^(approval\.|kill|revive|task\.)/;

export function traceRun(records: AuditRecord[], runId: string): RunTrace | null {
  const mine = records.filter((r) => 'run_id' in r && r.run_id === runId);
  if (mine.length === 0) return null;
  const start = (mine.find((r) => r.kind === 'run.start') ?? null) as RunTrace['start'];
  const end = (mine.find((r) => r.kind === 'run.end') ?? null) as RunTrace['end'];
  const calls = mine.filter((r): r is CallEvent & AuditRecord => r.kind === 'call');
  const protocol = mine.filter((r): r is ProtocolEvent & AuditRecord => r.kind === 'protocol');
  // The run's own records name its task, agent and human; a protocol record may name an intruder.
  const first = mine.find((r) => r.kind !== 'protocol') as CallEvent | RunEvent | undefined;
  const touches = new Set([runId, '*', ...(first ? [first.task_id, first.agent, first.human] : [])]);
  const governance = records.filter(
    (r): r is AdminEvent & AuditRecord =>
      r.kind === 'admin' && GOVERNANCE_ACTIONS.test(r.action) && (touches.has(r.target) || r.target.split(':').some((t) => touches.has(t))),
  );
  const boundaryPressure = calls
    .filter((c) => c.boundary_pressure)
    .map((c) => ({
      ts: c.ts,
      method: c.method,
      kind: c.boundary_pressure!.kind,
      detail: c.boundary_pressure!.detail,
      reason: c.reason,
      outcome: c.decision === 'allowed' ? 'answered within scope' : `${c.decision}${c.denial ? ` (${c.denial})` : ''}`,
    }));
  return { runId, start, end, calls, protocol, governance, boundaryPressure };
}

/**
 * The human-readable timeline. Every value interpolated below may come from an agent (reason, tool
 * name, args, purpose), a document (doc ids, classes) or a record field, so each goes through
 * `plain` (src/views/inert.ts): one printed line per event line, whatever the strings contain.
 */
export function formatTrace(trace: RunTrace): string {
  const out: string[] = [];
  const s = trace.start;
  const list = (values: string[]) => values.map(inertLine).join(', ');
  out.push(plain`Run ${trace.runId}`);
  if (s)
    out.push(
      plain`  task ${s.task_id} "${s.task_purpose}" · human ${s.human} · agent ${s.agent} · ${s.transport} · started ${s.ts}`,
      `  methods ${list(s.methods_allowed)} · classes ${list(s.classes_reachable) || 'none'}${s.classes_with_approval.length ? ` (with approval: ${list(s.classes_with_approval)})` : ''} · policy ${inertLine(s.policy_version)}`,
    );
  const events = [...trace.calls, ...trace.protocol, ...trace.governance].sort((a, b) => a.ts.localeCompare(b.ts));
  out.push('', 'Timeline:');
  for (const e of events) {
    if (e.kind === 'protocol') {
      out.push(...protocolLines(e));
      continue;
    }
    if (e.kind === 'admin') {
      out.push(plain`  ${e.ts}  [admin] ${e.action} ${e.target} by ${e.actor} (${e.actor_auth})`);
      continue;
    }
    out.push(plain`  ${e.ts}  ${e.method} → ${e.decision}${e.denial ? ` (${e.denial})` : ''}  reason: "${e.reason ?? ''}"  ${e.latency_ms} ms`);
    if (Object.keys(e.args).length) out.push(plain`      args ${JSON.stringify(e.args)}`);
    for (const c of e.chunks)
      out.push(
        plain`      ← ${inertLine(c.data_class).padEnd(9)} ${c.doc_id}@${c.doc_version.slice(0, 8)} #${c.ordinal} [${c.span[0]},${c.span[1]}) ${c.chunk_hash.slice(0, 12)} via ${c.rule}`,
      );
    if (e.withheld) out.push(plain`      withheld ${e.withheld}`);
    if (e.boundary_pressure) out.push(plain`      BOUNDARY PRESSURE ${e.boundary_pressure.kind}: ${e.boundary_pressure.detail}`);
    if (e.error) out.push(plain`      error ${e.error}`);
  }
  if (trace.end)
    out.push(
      '',
      plain`Ended ${trace.end.ts}: ${trace.end.end_reason}; received ${trace.end.received?.classes.join(', ') || 'nothing'} in ${trace.end.received?.calls ?? 0} calls`,
    );
  else out.push('', 'Run has no end record yet (still open, or the server stopped abruptly).');
  return out.join('\n');
}

/** One protocol or edge record: what was asked, who claimed to ask (verified or not), the answer. */
export function protocolLines(e: ProtocolEvent & AuditRecord): string[] {
  const what = e.method ?? e.http ?? '(no method)';
  const answer =
    e.outcome === 'answered' ? 'answered' : `refused${e.status !== null ? ` ${e.status}` : ''}${e.error_code !== null ? ` (code ${e.error_code})` : ''}`;
  const who = e.sub || e.azp || e.jti ? `${e.sub ?? '?'} via ${e.azp ?? '?'} jti ${e.jti ?? '?'}` : 'no credential';
  const lines = [
    plain`  ${e.ts}  [${e.layer}] ${what}${e.tool !== null ? ` ${e.tool}` : ''} → ${answer}  by ${who} (${e.verified ? 'verified' : 'unverified'})`,
  ];
  if (e.reason) lines.push(plain`      reason ${e.reason}`);
  if (e.params_shape) lines.push(plain`      params ${JSON.stringify(e.params_shape)}`);
  if (e.http && e.method) lines.push(plain`      ${e.http}`);
  return lines;
}

/** Protocol and edge records that reached no run (bad or missing bearer, unknown session…), oldest first. */
export function edgeRecords(records: AuditRecord[]): (ProtocolEvent & AuditRecord)[] {
  return records.filter((r): r is ProtocolEvent & AuditRecord => r.kind === 'protocol' && r.run_id === null);
}

export function formatEdge(records: (ProtocolEvent & AuditRecord)[]): string {
  if (records.length === 0) return 'No refusals outside a run.';
  return ['Requests that reached no run:', ...records.flatMap(protocolLines)].join('\n');
}
