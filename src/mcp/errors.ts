import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';

/**
 * A JSON-RPC error as the SDK sends it (`code` and `message`). Not the SDK's McpError: that one
 * bakes "MCP error <code>: " into its message, and the client adds the same prefix again.
 */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/*
 * The one error mapper at the MCP boundary: clear messages, no stack traces, no internals, and
 * nothing that tells a withheld document apart from a missing one.
 */

/** Arguments that fail a tool's input schema: the text of an `isError` tool result (SEP-1303), one line per field. */
export function invalidArguments(tool: string, error: z.ZodError): string {
  const problems = error.issues.map((issue) => `- ${issue.path.join('.') || '(arguments)'}: ${issue.message}`);
  return [`Invalid arguments for tool ${tool}; fix these and call again (the tool's inputSchema has every field):`, ...problems].join('\n');
}

/** A tools/call whose params are not `{ name: string, arguments?: object }`. */
export function malformedToolCall(problem: string): ProtocolError {
  return new ProtocolError(ErrorCode.InvalidParams, `Invalid tools/call request: ${problem}. Send params as { "name": "<tool>", "arguments": { ... } }`);
}

export function methodNotFound(method: string): ProtocolError {
  return new ProtocolError(ErrorCode.MethodNotFound, `Method not found: ${method.slice(0, 80)} (this server offers tools only)`);
}

export function unknownTool(name: string): ProtocolError {
  return new ProtocolError(
    ErrorCode.InvalidParams,
    `Tool ${JSON.stringify(name.slice(0, 80))} is not available to this task; tools/list names the ones it may call`,
  );
}

/** The gate's policy no longer knows the task's human (removed from people.csv, or deprovisioned over SCIM). */
export function unknownHuman(): ProtocolError {
  return new ProtocolError(
    ErrorCode.InvalidRequest,
    'Refused: the human of this task is no longer known to the policy (removed or deprovisioned); nothing was searched',
  );
}

export function stoppedByKillSwitch(reason: string): ProtocolError {
  return new ProtocolError(ErrorCode.InvalidRequest, `Stopped by kill switch: ${reason}`);
}

export function grantExpired(): ProtocolError {
  return new ProtocolError(ErrorCode.InvalidRequest, 'The task grant has expired; ask your human for a new task grant');
}

/** Past a quota: the message says which limit and what to do. */
export function quotaExceeded(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.InvalidRequest, `Quota exceeded: ${message}`);
}

export function auditUnavailable(): ProtocolError {
  return new ProtocolError(ErrorCode.InternalError, 'The audit log cannot be written, so Clearance refuses to answer (fail closed). Tell the Clearance admin.');
}

export function internalFailure(): ProtocolError {
  return new ProtocolError(
    ErrorCode.InternalError,
    'Clearance could not evaluate this request safely and returned nothing (fail closed). The audit record has details.',
  );
}
