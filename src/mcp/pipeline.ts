import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { RequestContext } from '../gate/gate.js';
import { travellingLabels } from '../labels/provenance.js';
import type { CallRecord } from './audit-port.js';
import { QuotaExceeded } from '../config/quotas.js';
import {
  auditUnavailable,
  grantExpired,
  internalFailure,
  invalidArguments,
  quotaExceeded,
  stoppedByKillSwitch,
  unknownHuman,
  unknownTool,
  type ProtocolError,
} from './errors.js';
import type { Session } from './session.js';
import { TOOLS } from './tools/index.js';
import type { ToolDefinition, ToolOutcome } from './tool.js';

type RecordFields = Omit<CallRecord, 'identity' | 'method' | 'reason' | 'latencyMs' | 'chunks' | 'withheld' | 'args'> &
  Partial<Pick<CallRecord, 'chunks' | 'withheld' | 'args'>>;

/** The policy version changed while the call ran: nothing decided under the old one may leave. */
class PolicyChanged extends Error {}
const POLICY_RETRIES = 3;

/** A call refused at some step: its record is written, then the error goes to the agent. */
class Refusal {
  constructor(
    readonly error: ProtocolError,
    readonly fields: RecordFields,
  ) {}
}

/** A call whose arguments fail the tool's input schema: recorded, then answered as an `isError` tool result (SEP-1303). */
class InvalidInput {
  constructor(
    readonly text: string,
    readonly fields: RecordFields,
  ) {}
}

/**
 * The text content: a summary for people, then the structured result serialised, as MCP
 * recommends for clients that read only text.
 */
function textContent(summary: string, structured: Record<string, unknown>): CallToolResult['content'] {
  return [
    { type: 'text', text: summary },
    { type: 'text', text: JSON.stringify(structured) },
  ];
}

const stated = (rawArgs: unknown): string | null => {
  const reason = (rawArgs as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? reason.slice(0, 500) : null;
};

/**
 * One tool call, in the order the architecture promises: grant → kill switch → gate (approvals and
 * authority, once) → method allowlist → input validation → tool → output contract → kill switch
 * again (in flight) → audit (durable) → answer. Every path, refusals included, writes exactly one
 * audit record before anything is returned.
 */
export async function callTool(session: Session, name: string, rawArgs: unknown): Promise<CallToolResult> {
  const started = performance.now();
  const steps: Steps = {};
  const record = (fields: RecordFields) =>
    durably(
      session.audit.recordCall({
        identity: session.identity,
        method: name.slice(0, 80),
        reason: stated(rawArgs),
        args: {},
        chunks: [],
        withheld: 0,
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
        ...fields,
        timings: { ...steps, ...fields.timings },
      }),
    );
  let outcome: { ctx: RequestContext; tool: ToolDefinition; args: Record<string, unknown>; result: ToolOutcome<Record<string, unknown>> } | null = null;
  try {
    // Tools only read (request_access is idempotent per task and target), so a call whose policy
    // changed under it is simply decided again under the new version.
    for (let attempt = 0; !outcome; attempt++) {
      try {
        outcome = await decideAndRun(session, name, rawArgs, steps);
      } catch (err) {
        if (!(err instanceof PolicyChanged)) throw err;
        if (attempt + 1 >= POLICY_RETRIES)
          throw new Refusal(internalFailure(), { decision: 'error', denial: 'internal_error', error: 'the policy kept changing during the call' });
      }
    }
  } catch (err) {
    if (err instanceof InvalidInput) {
      await record(err.fields);
      return { content: [{ type: 'text', text: err.text }], isError: true, _meta: { 'clearance/run_id': session.run.runId } };
    }
    if (!(err instanceof Refusal)) throw err;
    await record(err.fields);
    throw err.error;
  }
  const { ctx, tool, args, result } = outcome;
  const received = result.received ?? [];
  await record({
    decision: result.isError ? 'denied' : 'allowed',
    denial: result.isError && tool.name === 'fetch' ? 'not_found_or_forbidden' : undefined,
    args,
    boundaryPressure: result.boundaryPressure,
    chunks: received.map((p) => p.provenance),
    withheld: result.withheld ?? 0,
    policyVersion: ctx.authority.policyVersion,
    tableVersion: result.tableVersion,
    timings: result.timings,
  });
  session.run.record(received);
  session.run.calls++;
  return {
    content: textContent(result.text, result.structured),
    structuredContent: result.structured,
    ...(result.isError ? { isError: true } : {}),
    _meta: { 'clearance/run_id': session.run.runId, 'clearance/labels': received.map((p) => travellingLabels(p.provenance)) },
  };
}

/**
 * Milliseconds per step of one call (summed over policy retries), for the audit record only: when a
 * call was slow, the record says where the time went (kill-switch and policy reads, the tool, the
 * taint write).
 */
type Steps = Record<string, number>;

async function timed<T>(steps: Steps, step: string, run: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await run();
  } finally {
    steps[step] = Math.round(((steps[step] ?? 0) + performance.now() - t) * 100) / 100;
  }
}

async function decideAndRun(session: Session, name: string, rawArgs: unknown, steps: Steps) {
  const { identity, gate, run, core, rate } = session;
  if (Date.parse(identity.grantExpiresAt) <= Date.now()) throw new Refusal(grantExpired(), { decision: 'denied', denial: 'grant_expired' });
  const killed = await timed(steps, 'killSwitchMs', () => gate.killedFor(identity));
  if (killed) throw new Refusal(stoppedByKillSwitch(killed.reason), { decision: 'killed', denial: 'killed', error: `switch ${killed.id}` });
  try {
    rate.take(identity.taskId);
  } catch (err) {
    throw new Refusal(quotaExceeded((err as Error).message), { decision: 'denied', denial: 'quota_exceeded' });
  }
  const ctx = await timed(steps, 'gateMs', () => gate.enter(identity)).catch((err: unknown) => {
    throw new Refusal(internalFailure(), { decision: 'error', denial: 'internal_error', error: safeMessage(err) });
  });

  // Decided by the gate: a human the policy in force does not know has no principals at all.
  if (ctx.authority.principals.length === 0)
    throw new Refusal(unknownHuman(), { decision: 'denied', denial: 'unknown_human', policyVersion: ctx.authority.policyVersion });
  const tool = TOOLS.find((t) => t.name === name);
  if (!tool || !ctx.authority.methods.includes(tool.name)) {
    throw new Refusal(unknownTool(name), {
      decision: 'denied',
      denial: 'method_not_allowed',
      policyVersion: ctx.authority.policyVersion,
      boundaryPressure: { kind: 'method_not_allowed', detail: `called ${name.slice(0, 80)}` },
    });
  }
  const parsed = tool.inputSchema.safeParse(rawArgs ?? {});
  if (!parsed.success)
    throw new InvalidInput(invalidArguments(name, parsed.error), { decision: 'denied', denial: 'invalid_input', policyVersion: ctx.authority.policyVersion });
  const args = tool.auditArgs(parsed.data);
  const failed = (err: unknown, withheld = 0) =>
    new Refusal(internalFailure(), {
      decision: 'error',
      denial: 'internal_error',
      args,
      withheld,
      policyVersion: ctx.authority.policyVersion,
      error: safeMessage(err),
    });

  let result: ToolOutcome<Record<string, unknown>>;
  try {
    result = await timed(steps, 'toolMs', () => tool.handler(parsed.data, { request: ctx, run, core }));
  } catch (err) {
    if (err instanceof QuotaExceeded)
      throw new Refusal(quotaExceeded(err.message), { decision: 'denied', denial: 'quota_exceeded', args, policyVersion: ctx.authority.policyVersion });
    throw failed(err);
  }
  // The output contract: what leaves is exactly what the tool advertises (fail closed otherwise).
  const contract = tool.outputSchema.safeParse(result.structured);
  if (!contract.success)
    throw failed(new Error(`output does not match ${tool.name}'s outputSchema: ${contract.error.issues[0]?.message ?? ''}`), result.withheld);

  if (!gate.current(ctx)) throw new PolicyChanged();
  // The task's taint set learns of the passages before the agent does (fail closed if it cannot).
  try {
    await timed(steps, 'receivedMs', () => core.recordReceived(ctx, result.received ?? []));
  } catch (err) {
    throw failed(err, result.withheld);
  }
  const killedDuring = await timed(steps, 'killSwitchMs', () => gate.killedFor(identity));
  if (killedDuring) {
    throw new Refusal(stoppedByKillSwitch(killedDuring.reason), {
      decision: 'killed',
      denial: 'killed',
      args,
      withheld: result.withheld ?? 0,
      policyVersion: ctx.authority.policyVersion,
      error: `switch ${killedDuring.id} (in flight)`,
    });
  }
  return { ctx, tool, args, result: { ...result, structured: contract.data } };
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
