import type { Logger } from 'pino';
import type { AuditPort, CallRecord, ProtocolRecord, RunRecord } from '../mcp/audit-port.js';
import { toolLabel, type ServerMetrics } from './metrics.js';

const who = (r: CallRecord | RunRecord) => ({
  run: r.identity.runId,
  task: r.identity.taskId,
  human: r.identity.human,
  agent: r.identity.agent,
  transport: r.identity.transport,
});

/**
 * The audit port, observed: each record, once durable, also moves the metrics and writes one log
 * line. What is logged is identity, tool, decision and numbers; never arguments (query text lives
 * only in the audit log, where redactQueries governs it), passages or agent-chosen text (a tool
 * name that is not ours is logged as `unknown`; the audit record has it).
 */
export function observedAuditPort(port: AuditPort, metrics: ServerMetrics, log: Logger): AuditPort {
  const durable = async (write: Promise<void>, what: Record<string, unknown>) => {
    try {
      await write;
    } catch (err) {
      log.error({ ...what, error: (err as Error).message }, 'audit record could not be written; failing closed');
      throw err;
    }
  };
  return {
    async recordCall(r) {
      const line = { event: 'tool.call', ...who(r), tool: toolLabel(r.method), decision: r.decision };
      await durable(port.recordCall(r), line);
      metrics.observeCall(r);
      log.info({ ...line, denial: r.denial ?? null, latency_ms: r.latencyMs, results: r.chunks.length, withheld: r.withheld }, 'tool call');
    },
    async recordRun(r) {
      const line = { event: r.kind === 'run.start' ? 'session.opened' : 'session.closed', ...who(r) };
      await durable(port.recordRun(r), line);
      if (r.kind === 'run.start') {
        metrics.sessionOpened(r.identity.transport);
        log.info(line, 'session opened');
      } else {
        metrics.sessionClosed(r.identity.transport);
        log.info({ ...line, end_reason: r.endReason ?? null, calls: r.received?.calls ?? 0 }, 'session closed');
      }
    },
    async recordProtocol(r) {
      await durable(port.recordProtocol(r), { event: 'protocol', run: r.runId });
      if (r.outcome !== 'refused') return;
      metrics.refused(r.layer, r.status ?? r.errorCode);
      log.info(refusalLine(r), 'request refused');
    },
  };
}

/** Who a refused request claimed to be is logged marked unverified, as the audit record has it. */
function refusalLine(r: ProtocolRecord): Record<string, unknown> {
  return {
    event: 'request.refused',
    layer: r.layer,
    run: r.runId,
    http: r.http ?? null,
    method: r.method,
    status: r.status ?? null,
    error_code: r.errorCode ?? null,
    verified: r.claims.verified,
    human: r.claims.sub,
    agent: r.claims.azp,
    task: r.claims.taskId,
  };
}
