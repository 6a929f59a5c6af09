import { z } from 'zod';
import type { RequestContext } from '../gate/gate.js';
import type { Method } from '../identity/identity.js';
import type { Passage } from '../labels/provenance.js';
import type { CorePorts } from './core-ports.js';
import type { RunState } from './run-state.js';

/** Every tool takes the agent's stated reason; it goes to the audit record verbatim. */
export const ReasonSchema = z.string().trim().min(3, 'say why you are making this call (3-500 characters)').max(500, 'keep the reason under 500 characters');

export const BoundaryPressureSchema = z.object({
  kind: z.enum(['out_of_scope', 'method_not_allowed', 'request_access', 'release_check_failed', 'not_found_or_forbidden']),
  detail: z.string(),
});
export type BoundaryPressure = z.infer<typeof BoundaryPressureSchema>;

export interface ToolOutcome<Output> {
  structured: Output;
  text: string;
  /** Passages given to the agent: their provenance is audited and joins the run's taint set. */
  received?: Passage[];
  withheld?: number;
  tableVersion?: number;
  boundaryPressure?: BoundaryPressure;
  /** A tool-level failure the agent should see as `isError` (e.g. not found), not a protocol error. */
  isError?: boolean;
  timings?: Record<string, number>;
}

export interface ToolContext {
  request: RequestContext;
  run: RunState;
  core: CorePorts;
}

export interface ToolDefinition<In extends z.ZodType = z.ZodType, Out extends z.ZodObject = z.ZodObject> {
  name: Method;
  title: string;
  description: string;
  inputSchema: In;
  outputSchema: Out;
  readOnly: boolean;
  /** What the audit record keeps of the arguments (query text may be redacted by config). */
  auditArgs(input: z.infer<In>): Record<string, unknown>;
  handler(input: z.infer<In>, ctx: ToolContext): Promise<ToolOutcome<z.infer<Out>>>;
}

export function defineTool<In extends z.ZodType, Out extends z.ZodObject>(tool: ToolDefinition<In, Out>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}
