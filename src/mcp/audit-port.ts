import type { RequestIdentity } from '../identity/identity.js';
import type { BoundaryPressure, ChunkProvenance } from './tool.js';

/** What the MCP layer tells the audit log about each call; `deps.ts` maps it onto audit records. */
export interface CallRecord {
  identity: RequestIdentity;
  method: string;
  reason: string | null;
  args: Record<string, unknown>;
  decision: 'allowed' | 'denied' | 'error' | 'killed';
  denial?: 'method_not_allowed' | 'invalid_input' | 'not_found_or_forbidden' | 'killed' | 'grant_expired' | 'internal_error';
  boundaryPressure?: BoundaryPressure;
  chunks: ChunkProvenance[];
  withheld: number;
  tableVersion?: number;
  latencyMs: number;
  timings?: Record<string, number>;
  error?: string;
}

export interface RunRecord {
  identity: RequestIdentity;
  kind: 'run.start' | 'run.end';
  methodsAllowed: string[];
  classesReachable: string[];
  classesWithApproval: string[];
  sourcesInScope: string[] | 'all';
  received?: { classes: string[]; sources: string[]; calls: number };
  endReason?: string;
}

export interface AuditPort {
  /** Resolves only once the record is durable; rejects if it cannot be written (callers fail closed). */
  recordCall(record: CallRecord): Promise<void>;
  recordRun(record: RunRecord): Promise<void>;
}
