import { buildPacket, formatPacket, type RunReport } from '../../src/audit/packet.js';
import { AuditEventSchema, type AuditEvent, type AuditRecord } from '../../src/audit/record.js';
import { formatTrace, traceRun, type RunTrace } from '../../src/audit/trace.js';

/**
 * Audit records of one run, shaped exactly as the server writes them (each event is parsed by
 * the real AuditEventSchema), with one untrusted string standing in every place an agent, a
 * document or a harness can put text: the task purpose, a call's reason, its query, a returned
 * document id, a refused call's tool name (and its boundary-pressure detail), a request_access
 * reason, an error, an approval's detail and the run report.
 */
export const RUN_ID = 'run_0001';
const TASK_ID = 'task_0001';

export interface Placement {
  purpose?: string;
  reason?: string;
  query?: string;
  docId?: string;
  method?: string;
  accessReason?: string;
  error?: string;
  approvalDetail?: string;
  reported?: string;
}

export const EVERYWHERE = (text: string): Placement => ({
  purpose: text,
  reason: text,
  query: text,
  docId: text,
  method: text,
  accessReason: text,
  error: text,
  approvalDetail: text,
  reported: text,
});

let seq = 0;
function record(ts: string, event: Record<string, unknown>): AuditRecord {
  const parsed: AuditEvent = AuditEventSchema.parse(event);
  seq += 1;
  return { ...parsed, seq, ts, replica: 'r1', prev_hash: '0'.repeat(64), hash: seq.toString(16).padStart(64, '0') } as AuditRecord;
}

const run = { run_id: RUN_ID, task_id: TASK_ID, agent: 'claude-code', human: 'alice', transport: 'stdio' };

function call(ts: string, fields: Record<string, unknown>): AuditRecord {
  return record(ts, {
    kind: 'call',
    ...run,
    task_purpose: 'fix the database runbook',
    method: 'search',
    reason: 'look up the runbook',
    args: {},
    decision: 'allowed',
    denial: null,
    boundary_pressure: null,
    chunks: [],
    withheld: 0,
    policy_version: 'p1',
    model_id: 'm1',
    table_version: 3,
    latency_ms: 12,
    timings: null,
    error: null,
    ...fields,
  });
}

export function runRecords(p: Placement): AuditRecord[] {
  const purpose = p.purpose ?? 'fix the database runbook';
  const chunk = (docId: string) => ({
    source: 'runbooks',
    doc_id: docId,
    doc_version: 'abcdef0123456789',
    ordinal: 0,
    span: [0, 120],
    chunk_hash: '0123456789abcdef0123',
    data_class: 'internal',
    score: 0.81,
    rule: 'class_read',
  });
  return [
    record('2026-03-01T10:00:00.000Z', {
      kind: 'run.start',
      ...run,
      task_purpose: purpose,
      server_name: 'clearance',
      grant_expires_at: '2026-03-01T12:00:00.000Z',
      scope: { sources: null, classes: null, methods: null },
      methods_allowed: ['search', 'fetch', 'request_access'],
      classes_reachable: ['public', 'internal'],
      classes_with_approval: ['telemetry'],
      sources_in_scope: 'all',
      received: null,
      end_reason: null,
      policy_version: 'p1',
    }),
    call('2026-03-01T10:00:01.000Z', {
      task_purpose: purpose,
      reason: p.reason ?? 'look up the runbook',
      args: { query: p.query ?? 'database failover', k: 3 },
      chunks: [chunk(p.docId ?? 'runbooks/prod-database.md')],
    }),
    call('2026-03-01T10:00:02.000Z', {
      task_purpose: purpose,
      method: p.method ?? 'delete_everything',
      reason: 'clean up',
      decision: 'denied',
      denial: 'method_not_allowed',
      boundary_pressure: { kind: 'method_not_allowed', detail: `called ${p.method ?? 'delete_everything'}` },
    }),
    call('2026-03-01T10:00:03.000Z', {
      task_purpose: purpose,
      method: 'request_access',
      reason: p.accessReason ?? 'need the alert history',
      args: { class: 'telemetry' },
      boundary_pressure: { kind: 'request_access', detail: `class telemetry: ${p.accessReason ?? 'need the alert history'}` },
    }),
    call('2026-03-01T10:00:04.000Z', {
      task_purpose: purpose,
      method: 'fetch',
      reason: 'read it',
      args: { id: 'runbooks/x.md' },
      decision: 'error',
      error: p.error === undefined ? 'store unreachable' : `store unreachable: ${p.error}`,
    }),
    record('2026-03-01T10:00:05.000Z', {
      kind: 'admin',
      actor: 'frank',
      actor_auth: 'approver-credential:j1',
      action: 'approval.approve',
      target: TASK_ID,
      detail: { request: 'req_1', human: 'alice', target: 'class:telemetry', note: p.approvalDetail ?? 'ok for one hour' },
    }),
    record('2026-03-01T10:00:06.000Z', {
      kind: 'run.end',
      ...run,
      task_purpose: purpose,
      server_name: 'clearance',
      grant_expires_at: '2026-03-01T12:00:00.000Z',
      scope: { sources: null, classes: null, methods: null },
      methods_allowed: ['search', 'fetch', 'request_access'],
      classes_reachable: ['public', 'internal'],
      classes_with_approval: ['telemetry'],
      sources_in_scope: 'all',
      received: { classes: ['internal'], sources: ['runbooks'], calls: 4 },
      end_reason: 'client closed',
      policy_version: 'p1',
    }),
  ];
}

export function traceOf(p: Placement): RunTrace {
  return traceRun(runRecords(p), RUN_ID)!;
}

export function traceText(p: Placement): string {
  return formatTrace(traceOf(p));
}

export function packetText(p: Placement): string {
  const report: RunReport = p.reported === undefined ? {} : { commands_run: ['npm test', p.reported], files_changed: [p.reported] };
  return formatPacket(buildPacket(traceOf(p), report), RUN_ID);
}

/** Lines of `hostile` that differ from the same line of `benign` must be lines where `benign` carried `marker`. */
export function linesThatDifferWithoutCarrying(benign: string, hostile: string, marker: string): string[] {
  const a = benign.split('\n');
  const b = hostile.split('\n');
  return a.flatMap((line, i) => (line !== b[i] && !line.includes(marker) ? [`line ${i + 1}: ${JSON.stringify(line)} became ${JSON.stringify(b[i])}`] : []));
}

/** Any character that can start a line, move the cursor, start an escape sequence or reorder text. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/u;
