import type { App } from '../app/app.js';
import { contextFor, type RequestContext } from '../gate/gate.js';
import type { RequestIdentity, TaskScope } from '../identity/identity.js';
import { decideChunk, type ChunkDecision } from '../policy/decide.js';
import type { Decision } from '../policy/engine.js';
import { search, type SearchResult } from '../retrieval/search.js';
import { chunkWhere } from '../store/permission-filter.js';
import { AdminError } from './tasks.js';

/** An admin check "as" a human through an agent: no approvals, a synthetic run that is never served. */
function adminContext(app: App, human: string, agent: string, scope: TaskScope): RequestContext {
  const policy = app.policy();
  if (!policy.isHuman(human)) throw new AdminError(`--as ${human}: not a known human`);
  if (!policy.isAgent(agent)) throw new AdminError(`--agent ${agent}: not a known agent workflow`);
  const identity: RequestIdentity = {
    human,
    agent,
    taskId: 'cli-adhoc',
    purpose: 'admin check from the CLI',
    runId: 'cli',
    transport: 'cli',
    scope,
    grantExpiresAt: new Date(Date.now() + 60_000).toISOString(),
  };
  return contextFor(policy, identity, []);
}

/** What `search --as` returns: the same gate and retrieval path an agent's call takes. */
export async function searchAs(app: App, request: { human: string; agent: string; scope: TaskScope; query: string; k: number }): Promise<SearchResult> {
  const ctx = adminContext(app, request.human, request.agent, request.scope);
  return search({ store: app.store, embedder: await app.embedder(), sources: app.sources }, ctx, { query: request.query, k: request.k });
}

export interface Explanation {
  docId: string;
  dataClass: string;
  source: string;
  aclSource: string[];
  aclDoc: string[];
  principals: string[];
  human: { access: 'read' | 'approval' | 'none'; rule?: Decision['rule'] };
  agentClass: Decision;
  agentSource: Decision;
  aclSourceMatches: boolean;
  aclDocMatches: boolean;
  decision: ChunkDecision;
  policyVersion: string;
  /** The published version explained, or null for the policy folder (no version published). */
  liveSeq: number | null;
}

/** Why a human, through an agent, may or may not read a document: each term and the deciding lines. */
export async function explainDocument(app: App, request: { human: string; agent: string; docId: string }): Promise<Explanation> {
  const ctx = adminContext(app, request.human, request.agent, {});
  const [row] = await (
    await app.store.chunks()
  ).rows(chunkWhere.eq('doc_id', request.docId), { select: ['doc_id', 'data_class', 'source', 'acl_source', 'acl_doc'], limit: 1 });
  if (!row) throw new AdminError(`--doc ${request.docId}: no such document in the store`);
  const principals = new Set(ctx.authority.principals);
  return {
    docId: row.doc_id,
    dataClass: row.data_class,
    source: row.source,
    aclSource: row.acl_source,
    aclDoc: row.acl_doc,
    principals: ctx.authority.principals,
    human: ctx.policy.classAccess(request.human, row.data_class),
    agentClass: ctx.policy.agentUses(request.agent, 'class', row.data_class),
    agentSource: ctx.policy.agentUses(request.agent, 'source', row.source),
    aclSourceMatches: row.acl_source.some((p) => principals.has(p)),
    aclDocMatches: row.acl_doc.some((p) => principals.has(p)),
    decision: decideChunk(ctx.policy, ctx.authority, row),
    policyVersion: ctx.policy.version,
    liveSeq: app.livePolicy.liveSeq,
  };
}
