import type { RequestContext } from '../gate/gate.js';
import type { ReceivedChunk, ReleaseVerdict } from '../governance/release.js';
import type { TaskTaint } from '../governance/taint.js';
import type { Passage } from '../labels/provenance.js';
import type { FetchedDocument } from '../retrieval/fetch.js';
import type { SearchRequest, SearchResult } from '../retrieval/search.js';
import type { SourceListing } from '../retrieval/sources.js';

/**
 * What the tools need from the core, as narrow ports; `src/app` wires them to retrieval and
 * governance. Every port that reads or decides takes the request context the gate built.
 */
export interface CorePorts {
  modelId: string;
  search(ctx: RequestContext, request: SearchRequest): Promise<SearchResult>;
  fetch(ctx: RequestContext, id: string): Promise<{ doc: FetchedDocument | null; withheld: number; tableVersion: number | null }>;
  listSources(ctx: RequestContext): Promise<SourceListing[]>;
  requestAccess(ctx: RequestContext, target: { kind: 'class' | 'source'; id: string }, reason: string): Promise<{ request_id: string }>;
  /** Adds passages to what the task has received (before they are given to the agent). */
  recordReceived(ctx: RequestContext, passages: Passage[]): Promise<void>;
  /** What the task has received so far, in every session. */
  received(ctx: RequestContext): Promise<TaskTaint>;
  checkRelease(ctx: RequestContext, received: ReceivedChunk[], destinationClass: string, draft: string | undefined): ReleaseVerdict;
}
