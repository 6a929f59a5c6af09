import { z } from 'zod';
import type { RequestIdentity, Method } from '../identity/identity.js';
import { ChunkProvenanceRecordSchema } from '../audit/record.js';
import type { CorePorts } from './ports.js';
import type { RunState } from './run-state.js';

/** Every tool takes the agent's stated reason; it goes to the audit record verbatim. */
export const ReasonSchema = z
  .string()
  .trim()
  .min(3, 'say why you are making this call (3-500 characters)')
  .max(500, 'keep the reason under 500 characters');

/** Provenance of one chunk given to the agent: the audit record's shape, one definition for both. */
export const ChunkProvenanceSchema = ChunkProvenanceRecordSchema;
export type ChunkProvenance = z.infer<typeof ChunkProvenanceSchema>;

/** A chunk the run received, kept in the run state for release checks. */
export interface ReceivedChunk extends ChunkProvenance {
  text: string;
}

export interface BoundaryPressure {
  kind: 'out_of_scope' | 'method_not_allowed' | 'request_access' | 'release_check_failed' | 'not_found_or_forbidden';
  detail: string;
}

export interface ToolOutcome<Output> {
  structured: Output;
  text: string;
  /** Chunks given to the agent (their provenance is audited; their classes join the run's taint set). */
  received?: ReceivedChunk[];
  withheld?: number;
  tableVersion?: number;
  boundaryPressure?: BoundaryPressure;
  /** A tool-level failure the agent should see as `isError` (e.g. not found), not a protocol error. */
  isError?: boolean;
  timings?: Record<string, number>;
}

export interface ToolContext {
  identity: RequestIdentity;
  run: RunState;
  core: CorePorts;
}

export interface ToolDefinition<In extends z.ZodObject = z.ZodObject, Out extends z.ZodObject = z.ZodObject> {
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

export function defineTool<In extends z.ZodObject, Out extends z.ZodObject>(tool: ToolDefinition<In, Out>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}
