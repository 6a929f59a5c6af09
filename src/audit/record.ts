import { z } from 'zod';

export const ChunkProvenanceRecordSchema = z.object({
  source: z.string(),
  doc_id: z.string(),
  doc_version: z.string(),
  ordinal: z.number().int(),
  span: z.array(z.number().int()).length(2),
  chunk_hash: z.string(),
  data_class: z.string(),
  score: z.number().nullable(),
  rule: z.string(),
});

const RunFields = {
  run_id: z.string(),
  task_id: z.string(),
  task_purpose: z.string(),
  agent: z.string(),
  human: z.string(),
  transport: z.string(),
};

export const BoundaryPressureRecordSchema = z.object({ kind: z.string(), detail: z.string() });

export const CallEventSchema = z.object({
  kind: z.literal('call'),
  ...RunFields,
  method: z.string(),
  reason: z.string().nullable(),
  args: z.record(z.string(), z.unknown()),
  decision: z.enum(['allowed', 'denied', 'error', 'killed']),
  denial: z.string().nullable(),
  boundary_pressure: BoundaryPressureRecordSchema.nullable(),
  chunks: z.array(ChunkProvenanceRecordSchema),
  withheld: z.number().int().min(0),
  policy_version: z.string(),
  model_id: z.string(),
  table_version: z.number().int().nullable(),
  latency_ms: z.number(),
  timings: z.record(z.string(), z.number()).nullable(),
  error: z.string().nullable(),
});

export const RunEventSchema = z.object({
  kind: z.enum(['run.start', 'run.end']),
  ...RunFields,
  server_name: z.string(),
  grant_expires_at: z.string(),
  scope: z.object({ sources: z.array(z.string()).nullable(), classes: z.array(z.string()).nullable(), methods: z.array(z.string()).nullable() }),
  methods_allowed: z.array(z.string()),
  classes_reachable: z.array(z.string()),
  classes_with_approval: z.array(z.string()),
  sources_in_scope: z.union([z.array(z.string()), z.literal('all')]),
  received: z.object({ classes: z.array(z.string()), sources: z.array(z.string()), calls: z.number().int() }).nullable(),
  end_reason: z.string().nullable(),
  policy_version: z.string(),
});

export const AdminEventSchema = z.object({
  kind: z.literal('admin'),
  actor: z.string(),
  actor_auth: z.string(),
  action: z.string(),
  target: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

/** A purge leaves this in place of what it removed, so the chain stays verifiable from here on. */
export const CheckpointEventSchema = z.object({
  kind: z.literal('checkpoint'),
  removed_through_seq: z.number().int(),
  removed_count: z.number().int(),
  anchor_hash: z.string(),
});

/**
 * A request recorded below the tool pipeline: a JSON-RPC request of a session that no call record
 * covers (tools/list, initialize, unknown methods, tools/call the SDK refused as malformed) or an
 * HTTP response refused at the edge (401, 403, 404…). Who asked is what could be read: from the
 * session's verified grant, or claimed in a token that did not verify (`verified: false`).
 */
export const ProtocolEventSchema = z.object({
  kind: z.literal('protocol'),
  layer: z.enum(['jsonrpc', 'http']),
  /** The run whose session the request reached or addressed; null when it reached none. */
  run_id: z.string().nullable(),
  transport: z.string(),
  verified: z.boolean(),
  sub: z.string().nullable(),
  azp: z.string().nullable(),
  jti: z.string().nullable(),
  task_id: z.string().nullable(),
  /** The JSON-RPC method as sent (shown as JSON when not a string); null for a non-JSON-RPC refusal. */
  method: z.string().nullable(),
  request_id: z.string().nullable(),
  /** `POST /mcp` at the HTTP edge. */
  http: z.string().nullable(),
  /** Top-level params keys and their JSON types, and a string `name`: the request's shape, not its content. */
  params_shape: z.record(z.string(), z.string()).nullable(),
  tool: z.string().nullable(),
  outcome: z.enum(['answered', 'refused']),
  status: z.number().int().nullable(),
  error_code: z.number().int().nullable(),
  reason: z.string().nullable(),
});

export const AuditEventSchema = z.discriminatedUnion('kind', [CallEventSchema, RunEventSchema, AdminEventSchema, CheckpointEventSchema, ProtocolEventSchema]);
export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type CallEvent = z.infer<typeof CallEventSchema>;
export type RunEvent = z.infer<typeof RunEventSchema>;
export type AdminEvent = z.infer<typeof AdminEventSchema>;
export type ProtocolEvent = z.infer<typeof ProtocolEventSchema>;

export const ChainFieldsSchema = z.object({
  seq: z.number().int().min(1),
  ts: z.string(),
  replica: z.string(),
  prev_hash: z.string(),
  hash: z.string(),
});

export type AuditRecord = AuditEvent & z.infer<typeof ChainFieldsSchema>;

export const GENESIS_HASH = '0'.repeat(64);

/** Keys that must never reach the record, whatever a caller passes in free-form fields. */
const SECRET_KEY = /token|authorization|secret|password|credential|private/i;

export function stripSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !SECRET_KEY.test(k))
        .map(([k, v]) => [k, stripSecrets(v)]),
    );
  }
  return value;
}
