import type { AuditLog } from '../audit/log.js';
import type { CallEvent, ProtocolEvent, RunEvent } from '../audit/record.js';
import type { RequestIdentity } from '../identity/identity.js';
import type { AuditPort } from '../mcp/audit-port.js';
import type { App } from './app.js';

const runFields = (identity: RequestIdentity) => ({
  run_id: identity.runId,
  task_id: identity.taskId,
  task_purpose: identity.purpose,
  agent: identity.agent,
  human: identity.human,
  transport: identity.transport,
});

/** Maps what the MCP layer reports onto hash-chained audit records (query text redacted if configured). */
export function auditPort(app: App, log: AuditLog, modelId: string): AuditPort {
  return {
    async recordCall(r) {
      const event: CallEvent = {
        kind: 'call',
        ...runFields(r.identity),
        method: r.method,
        reason: r.reason,
        args: app.config.redactQueries && typeof r.args.query === 'string' ? { ...r.args, query: '[redacted]' } : r.args,
        decision: r.decision,
        denial: r.denial ?? null,
        boundary_pressure: r.boundaryPressure ?? null,
        chunks: r.chunks,
        withheld: r.withheld,
        policy_version: r.policyVersion ?? app.policy().version,
        model_id: modelId,
        table_version: r.tableVersion ?? null,
        latency_ms: r.latencyMs,
        timings: r.timings ?? null,
        error: r.error ?? null,
      };
      await log.append(event);
    },
    async recordRun(r) {
      const event: RunEvent = {
        kind: r.kind,
        ...runFields(r.identity),
        server_name: app.policy().server.server_name,
        grant_expires_at: r.identity.grantExpiresAt,
        scope: { sources: r.identity.scope.sources ?? null, classes: r.identity.scope.classes ?? null, methods: r.identity.scope.methods ?? null },
        methods_allowed: r.methodsAllowed,
        classes_reachable: r.classesReachable,
        classes_with_approval: r.classesWithApproval,
        sources_in_scope: r.sourcesInScope,
        received: r.received ?? null,
        end_reason: r.endReason ?? null,
        policy_version: r.policyVersion ?? app.policy().version,
      };
      await log.append(event);
    },
    async recordProtocol(r) {
      const event: ProtocolEvent = {
        kind: 'protocol',
        layer: r.layer,
        run_id: r.runId,
        transport: r.transport,
        verified: r.claims.verified,
        sub: r.claims.sub,
        azp: r.claims.azp,
        jti: r.claims.jti,
        task_id: r.claims.taskId,
        method: r.method,
        request_id: r.requestId,
        http: r.http ?? null,
        params_shape: r.paramsShape ?? null,
        tool: r.tool ?? null,
        outcome: r.outcome,
        status: r.status ?? null,
        error_code: r.errorCode ?? null,
        reason: r.reason ?? null,
      };
      await log.append(event);
    },
  };
}
