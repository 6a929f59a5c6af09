import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { RequestIdentity } from '../identity/identity.js';
import type { AuditPort, CallRecord } from './audit-port.js';
import { auditUnavailable, grantExpired, internalFailure, invalidArguments, stoppedByKillSwitch, unknownTool } from './errors.js';
import type { CorePorts } from './ports.js';
import type { RunState } from './run-state.js';
import { TOOLS } from './tools/index.js';
import type { ToolOutcome } from './tool.js';

export interface Session {
  identity: RequestIdentity;
  run: RunState;
  core: CorePorts;
  audit: AuditPort;
}

/**
 * One tool call, in the order the architecture promises: grant → kill switch → method allowlist →
 * input validation → tool → kill switch again (in-flight) → audit (durable) → answer.
 * Every path, including refusals, writes exactly one audit record before anything is returned.
 */
export async function callTool(session: Session, name: string, rawArgs: unknown): Promise<CallToolResult> {
  const started = performance.now();
  const { identity, run, core, audit } = session;
  const reason = typeof (rawArgs as { reason?: unknown })?.reason === 'string' ? String((rawArgs as { reason: string }).reason).slice(0, 500) : null;
  const record = (fields: Omit<CallRecord, 'identity' | 'method' | 'reason' | 'latencyMs' | 'chunks' | 'withheld' | 'args'> &
    Partial<Pick<CallRecord, 'chunks' | 'withheld' | 'args'>>): Promise<void> =>
    audit.recordCall({
      identity,
      method: name.slice(0, 80),
      reason,
      args: {},
      chunks: [],
      withheld: 0,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      ...fields,
    });
  const refuse = async (error: McpError, fields: Parameters<typeof record>[0]): Promise<never> => {
    await durably(record(fields));
    throw error;
  };

  if (Date.parse(identity.grantExpiresAt) <= Date.now()) return refuse(grantExpired(), { decision: 'denied', denial: 'grant_expired' });
  const killed = core.killedFor(identity);
  if (killed) return refuse(stoppedByKillSwitch(killed.reason), { decision: 'killed', denial: 'killed', error: `switch ${killed.id}` });

  const tool = TOOLS.find((t) => t.name === name);
  if (!tool || !core.allowedMethods(identity).includes(tool.name)) {
    return refuse(unknownTool(name), {
      decision: 'denied',
      denial: 'method_not_allowed',
      boundaryPressure: { kind: 'method_not_allowed', detail: `called ${name.slice(0, 80)}` },
    });
  }
  const parsed = tool.inputSchema.safeParse(rawArgs ?? {});
  if (!parsed.success) return refuse(invalidArguments(name, parsed.error), { decision: 'denied', denial: 'invalid_input' });
  const args = tool.auditArgs(parsed.data);

  let outcome: ToolOutcome<Record<string, unknown>>;
  try {
    outcome = await tool.handler(parsed.data, { identity, run, core });
  } catch (err) {
    return refuse(internalFailure(), { decision: 'error', denial: 'internal_error', args, error: safeMessage(err) });
  }

  const killedDuring = core.killedFor(identity);
  if (killedDuring) {
    return refuse(stoppedByKillSwitch(killedDuring.reason), { decision: 'killed', denial: 'killed', args, withheld: outcome.withheld ?? 0, error: `switch ${killedDuring.id} (in flight)` });
  }

  const received = outcome.received ?? [];
  await durably(
    record({
      decision: outcome.isError ? 'denied' : 'allowed',
      denial: outcome.isError && name === 'fetch' ? 'not_found_or_forbidden' : undefined,
      args,
      boundaryPressure: outcome.boundaryPressure,
      chunks: received.map(({ text: _text, ...provenance }) => provenance),
      withheld: outcome.withheld ?? 0,
      tableVersion: outcome.tableVersion,
      timings: outcome.timings,
    }),
  );
  run.record(received);
  run.calls++;
  return {
    content: [{ type: 'text', text: outcome.text }],
    structuredContent: outcome.structured,
    ...(outcome.isError ? { isError: true } : {}),
    _meta: {
      'clearance/run_id': run.runId,
      'clearance/labels': received.map((c) => ({ data_class: c.data_class, source: c.source, doc_id: c.doc_id, doc_version: c.doc_version, chunk_hash: c.chunk_hash })),
    },
  };
}

/** An answer that cannot be audited is not given. */
async function durably(write: Promise<void>): Promise<void> {
  try {
    await write;
  } catch {
    throw auditUnavailable();
  }
}

function safeMessage(err: unknown): string {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return message.slice(0, 500);
}
