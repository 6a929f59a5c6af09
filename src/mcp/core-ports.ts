import type { RequestContext } from '../gate/gate.js';
import type { ReleaseVerdict } from '../governance/release.js';
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
  checkRelease(ctx: RequestContext, received: Passage[], destinationClass: string, draft: string | undefined): ReleaseVerdict;
}
