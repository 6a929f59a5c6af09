import type { RequestIdentity } from '../identity/identity.js';
import type { Provenance } from '../labels/provenance.js';
import type { BoundaryPressure } from './tool.js';

/** What the MCP layer tells the audit log about each call; `src/app` maps it onto audit records. */
export interface CallRecord {
  identity: RequestIdentity;
  method: string;
  reason: string | null;
  args: Record<string, unknown>;
  decision: 'allowed' | 'denied' | 'error' | 'killed';
  denial?:
    'method_not_allowed' | 'invalid_input' | 'not_found_or_forbidden' | 'killed' | 'grant_expired' | 'internal_error' | 'quota_exceeded' | 'unknown_human';
  boundaryPressure?: BoundaryPressure;
  chunks: Provenance[];
  withheld: number;
  /** The policy version the call was decided under (absent for refusals before the gate). */
  policyVersion?: string;
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
  policyVersion?: string;
  received?: { classes: string[]; sources: string[]; calls: number };
  endReason?: string;
}

/** Who sent a request below the pipeline: the session's verified grant, or claims read from a token that did not verify. */
export interface RequestClaims {
  verified: boolean;
  sub: string | null;
  azp: string | null;
  jti: string | null;
  taskId: string | null;
}

/** A request no call record covers: JSON-RPC of a session (tools/list, unknown methods, malformed calls) or an HTTP edge refusal. */
export interface ProtocolRecord {
  layer: 'jsonrpc' | 'http';
  runId: string | null;
  transport: string;
  claims: RequestClaims;
  method: string | null;
  requestId: string | null;
  http?: string;
  paramsShape?: Record<string, string>;
  tool?: string;
  outcome: 'answered' | 'refused';
  status?: number;
  errorCode?: number;
  reason?: string;
}

export interface AuditPort {
  /** Resolves only once the record is durable; rejects if it cannot be written (callers fail closed). */
  recordCall(record: CallRecord): Promise<void>;
  recordRun(record: RunRecord): Promise<void>;
  /** Durable as recordCall; the answer (or refusal) leaves after it. */
  recordProtocol(record: ProtocolRecord): Promise<void>;
}
