import { z } from 'zod';
import type { ReleaseVerdict } from '../governance/release.js';
import type { Approval, Method, RequestIdentity } from '../identity/identity.js';

/**
 * What the MCP layer needs from the core, as narrow ports. `deps.ts` wires them to the policy,
 * retrieval, governance and audit modules; tests can wire the same real modules to a temp store.
 */

/** [start, end) character offsets into the document text (an array, not a tuple: wider JSON Schema support). */
export const SpanSchema = z.array(z.number().int()).length(2);

export const CitedChunkSchema = z.object({
  result_id: z.string().describe('pass to `fetch` for the whole document'),
  title: z.string(),
  heading: z.string(),
  text: z.string(),
  citation: z.object({
    source: z.string(),
    doc_id: z.string(),
    doc_version: z.string(),
    ordinal: z.number().int(),
    span: SpanSchema,
    chunk_hash: z.string(),
  }),
  data_class: z.string(),
  owner: z.string(),
  score: z.number(),
  stale: z.boolean(),
  age_days: z.number().nullable(),
});
export type CitedChunk = z.infer<typeof CitedChunkSchema> & { rule: string };

export const DocumentViewSchema = z.object({
  doc_id: z.string(),
  title: z.string(),
  source: z.string(),
  data_class: z.string(),
  owner: z.string(),
  doc_version: z.string(),
  updated_at: z.string(),
  stale: z.boolean(),
  text: z.string(),
  chunks: z.array(z.object({ result_id: z.string(), ordinal: z.number().int(), span: SpanSchema, chunk_hash: z.string() })),
});
export type DocumentView = z.infer<typeof DocumentViewSchema> & { rule: string };

export const SourceViewSchema = z.object({
  source: z.string(),
  title: z.string(),
  data_class: z.string(),
  owner: z.string(),
  freshness: z.string(),
  stale: z.boolean(),
  needs_approval: z.boolean(),
  approved_until: z.string().nullable(),
});
export type SourceView = z.infer<typeof SourceViewSchema>;

export interface SearchRequest {
  query: string;
  k: number;
  sources?: string[];
  classes?: string[];
  mode: 'hybrid' | 'vector' | 'fts';
}

export interface SearchAnswer {
  hits: CitedChunk[];
  withheld: number;
  tableVersion: number;
  timings: Record<string, number>;
}

export interface KillState {
  id: string;
  reason: string;
}

export interface CorePorts {
  policyVersion(): string;
  modelId: string;
  serverName: string;
  /** Methods this identity may call: agent workflow ∩ task scope. */
  allowedMethods(identity: RequestIdentity): Method[];
  /** Classes this identity can reach now, and which it could reach with approval. */
  reachableClasses(identity: RequestIdentity, approvals: Approval[]): { classes: string[]; withApproval: string[]; sources: string[] | 'all' };
  search(identity: RequestIdentity, approvals: Approval[], request: SearchRequest): Promise<SearchAnswer>;
  fetch(identity: RequestIdentity, approvals: Approval[], id: string): Promise<{ doc: DocumentView | null; withheld: number; tableVersion: number | null }>;
  listSources(identity: RequestIdentity, approvals: Approval[]): Promise<SourceView[]>;
  liveApprovals(identity: RequestIdentity): Promise<Approval[]>;
  requestAccess(identity: RequestIdentity, target: { kind: 'class' | 'source'; id: string }, reason: string): Promise<{ request_id: string; status: 'pending' }>;
  /** Synchronous, cheap: checked when a call starts and again before its answer leaves. */
  killedFor(identity: RequestIdentity): KillState | null;
  checkRelease(
    received: { data_class: string; source: string; doc_id: string; chunk_hash: string; text: string }[],
    destinationClass: string,
    draft: string | undefined,
  ): ReleaseVerdict;
  knownClass(id: string): boolean;
}
