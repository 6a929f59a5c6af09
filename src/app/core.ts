import { checkRelease } from '../governance/release.js';
import type { CorePorts } from '../mcp/core-ports.js';
import type { RetrievalDeps } from '../retrieval/deps.js';
import { fetchDocument } from '../retrieval/fetch.js';
import { search } from '../retrieval/search.js';
import { listSources } from '../retrieval/sources.js';
import type { App } from './app.js';

/** The tools' ports onto retrieval and governance: every one decides from the request context it is given. */
export function corePorts(app: App, retrieval: RetrievalDeps, modelId: string): CorePorts {
  return {
    modelId,
    search: (ctx, request) => search(retrieval, ctx, request),
    fetch: (ctx, id) => fetchDocument(retrieval, ctx, id),
    listSources: (ctx) => listSources(retrieval, ctx),
    async requestAccess(ctx, target, reason) {
      const row = await app.governance.requestAccess(ctx.identity, target, reason, app.config.quotas);
      return { request_id: row.id };
    },
    recordReceived: (ctx, passages) => app.taint.record(ctx.identity.taskId, ctx.identity.runId, passages),
    received: (ctx) => app.taint.ofTask(ctx.identity.taskId),
    checkRelease: (ctx, received, destinationClass, draft) => checkRelease({ received, destinationClass, draft, readers: ctx.policy }),
  };
}
