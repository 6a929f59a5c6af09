import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';

/**
 * The one error mapper at the MCP boundary: clear messages, no stack traces, no internals, and
 * nothing that tells a withheld document apart from a missing one.
 */
export function invalidArguments(tool: string, error: z.ZodError): McpError {
  const problems = error.issues.map((issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`);
  return new McpError(ErrorCode.InvalidParams, `Invalid arguments for tool ${tool}: ${problems.join('; ')}`);
}

export function unknownTool(name: string): McpError {
  return new McpError(ErrorCode.InvalidParams, `Tool ${JSON.stringify(name.slice(0, 80))} is not available to this task`);
}

export function stoppedByKillSwitch(reason: string): McpError {
  return new McpError(ErrorCode.InvalidRequest, `Stopped by kill switch: ${reason}`);
}

export function grantExpired(): McpError {
  return new McpError(ErrorCode.InvalidRequest, 'The task grant has expired; ask your human for a new task grant');
}

/** Past a quota: the message says which limit and what to do. */
export function quotaExceeded(message: string): McpError {
  return new McpError(ErrorCode.InvalidRequest, `Quota exceeded: ${message}`);
}

export function auditUnavailable(): McpError {
  return new McpError(ErrorCode.InternalError, 'The audit log cannot be written, so Clearance refuses to answer (fail closed). Tell the Clearance admin.');
}

export function internalFailure(): McpError {
  return new McpError(
    ErrorCode.InternalError,
    'Clearance could not evaluate this request safely and returned nothing (fail closed). The audit record has details.',
  );
}
