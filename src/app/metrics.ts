import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallRecord } from '../mcp/audit-port.js';
import { TOOLS } from '../mcp/tools/index.js';

/** What a scrape reads from the serving process at that moment (never cached in the metrics). */
export interface ServingState {
  killSwitches(): { lastReadAt: number; activeSwitches: number; revokedTasks: number };
  /** The version in force (null when the policy state is too old to serve: fail closed), its published number, and when it was read. */
  policy(): { version: string | null; liveSeq: number | null; lastReadAt: number };
  audit(): { available: boolean; written: number; shipped: number };
}

const TOOL_NAMES: ReadonlySet<string> = new Set(TOOLS.map((t) => t.name));
/** Agents choose tool names; only ours become label values, so a caller cannot blow up the series count. */
export const toolLabel = (method: string) => (TOOL_NAMES.has(method) ? method : 'unknown');
const ageSeconds = (since: number) => (since > 0 ? (Date.now() - since) / 1000 : -1);
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus metrics of one server process, in its own Registry (never prom-client's global
 * one), so two servers in one process, or a test, never share counters.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly calls: Counter<'tool' | 'decision'>;
  private readonly denials: Counter<'tool' | 'denial'>;
  private readonly latency: Histogram<'tool' | 'decision'>;
  private readonly stages: Histogram<'tool' | 'stage'>;
  private readonly pressure: Counter<'kind'>;
  private readonly withheld: Counter<'tool'>;
  private readonly sessions: Gauge<'transport'>;
  private readonly refusals: Counter<'layer' | 'code'>;

  constructor(state: ServingState) {
    const registers = [this.registry];
    this.calls = new Counter({ name: 'clearance_tool_calls_total', help: 'Tool calls by tool and decision', labelNames: ['tool', 'decision'], registers });
    this.denials = new Counter({ name: 'clearance_tool_call_denials_total', help: 'Refused tool calls by reason', labelNames: ['tool', 'denial'], registers });
    this.latency = new Histogram({
      name: 'clearance_tool_call_duration_seconds',
      help: 'Tool call latency, grant check to durable audit record',
      labelNames: ['tool', 'decision'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.stages = new Histogram({
      name: 'clearance_tool_call_stage_seconds',
      help: 'Time per pipeline stage of answered calls (embed, policy, store)',
      labelNames: ['tool', 'stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.pressure = new Counter({
      name: 'clearance_boundary_pressure_total',
      help: 'Calls that pushed at the task boundary, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.withheld = new Counter({
      name: 'clearance_withheld_results_total',
      help: 'Results withheld from agents (outside their reach)',
      labelNames: ['tool'],
      registers,
    });
    this.sessions = new Gauge({ name: 'clearance_open_sessions', help: 'Runs open now', labelNames: ['transport'], registers });
    this.refusals = new Counter({
      name: 'clearance_refusals_total',
      help: 'Requests refused outside the tool pipeline: HTTP status at the edge, JSON-RPC error code in a session',
      labelNames: ['layer', 'code'],
      registers,
    });
    this.stateGauges(state, registers);
  }

  private stateGauges(state: ServingState, registers: Registry[]): void {
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('clearance_kill_switches_active', 'Kill switches in force', () => state.killSwitches().activeSwitches);
    gauge('clearance_revoked_tasks', 'Revoked tasks', () => state.killSwitches().revokedTasks);
    gauge('clearance_kill_switch_state_age_seconds', 'Age of the kill-switch state calls are decided from', () => ageSeconds(state.killSwitches().lastReadAt));
    gauge('clearance_policy_available', '1 while the policy in force is known; 0 when calls fail closed', () => (state.policy().version ? 1 : 0));
    gauge('clearance_policy_live_seq', 'Published policy version being served (0: the policy folder)', () => state.policy().liveSeq ?? 0);
    gauge('clearance_policy_state_age_seconds', 'Age of the last successful read of the policy state', () => ageSeconds(state.policy().lastReadAt));
    new Gauge({
      name: 'clearance_policy_info',
      help: 'The policy version in force (label), value 1',
      labelNames: ['version'],
      registers,
      collect() {
        this.reset();
        const { version } = state.policy();
        if (version) this.set({ version }, 1);
      },
    });
    gauge('clearance_audit_available', '1 while the local audit log can be written; 0 fails every call closed', () => (state.audit().available ? 1 : 0));
    gauge('clearance_audit_records_written', 'Last sequence number of this replica’s audit chain', () => state.audit().written);
    gauge('clearance_audit_unshipped_records', 'Audit records written locally and not yet shipped to the store (shipping lag)', () => {
      const { written, shipped } = state.audit();
      return Math.max(0, written - shipped);
    });
  }

  /** Node process metrics (memory, CPU, event loop), for a process that serves its metrics. */
  withProcessMetrics(): this {
    collectDefaultMetrics({ register: this.registry });
    return this;
  }

  observeCall(r: CallRecord): void {
    const tool = toolLabel(r.method);
    this.calls.inc({ tool, decision: r.decision });
    if (r.denial) this.denials.inc({ tool, denial: r.denial });
    this.latency.observe({ tool, decision: r.decision }, r.latencyMs / 1000);
    for (const [key, ms] of Object.entries(r.timings ?? {})) this.stages.observe({ tool, stage: key.replace(/Ms$/, '') }, ms / 1000);
    if (r.boundaryPressure) this.pressure.inc({ kind: r.boundaryPressure.kind });
    if (r.withheld > 0) this.withheld.inc({ tool }, r.withheld);
  }

  sessionOpened(transport: string): void {
    this.sessions.inc({ transport });
  }

  sessionClosed(transport: string): void {
    this.sessions.dec({ transport });
  }

  refused(layer: 'http' | 'jsonrpc', code: number | undefined): void {
    this.refusals.inc({ layer, code: String(code ?? 'none') });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
