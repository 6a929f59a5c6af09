import type { Store } from '../store/store.js';
import type { SourceCatalog } from './source-catalog.js';

export class RetrievalError extends Error {
  override name = 'RetrievalError';
}

export interface QueryEmbedder {
  embedOne(text: string): Promise<Float32Array>;
}

/** What retrieval reads from; what it may return is decided by the request context, never by these. */
export interface RetrievalDeps {
  store: Store;
  embedder: QueryEmbedder;
  sources: SourceCatalog;
}

export async function openChunks(deps: RetrievalDeps) {
  try {
    return await deps.store.chunks();
  } catch (err) {
    throw new RetrievalError(`the store cannot be read: ${(err as Error).message}`);
  }
}
