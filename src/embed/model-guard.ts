import type { Store } from '../store/store.js';
import type { Embedder } from './embedder.js';

export class ModelMismatchError extends Error {
  override name = 'ModelMismatchError';
}

/**
 * Vectors from different models (or fp32 vs q8) must never share a table: the first writer records its
 * model fingerprint; every later writer and reader must match it.
 */
export async function assertStoreModel(store: Store, embedder: Embedder, { claim }: { claim: boolean }): Promise<void> {
  const meta = await store.readMeta();
  const recorded = meta.get('model_fingerprint');
  if (recorded === undefined) {
    if (claim) {
      await store.writeMeta({
        model_fingerprint: embedder.fingerprint,
        model_id: embedder.modelId,
        model_dtype: embedder.dtype,
        model_checksum: embedder.checksum,
      });
    }
    return;
  }
  if (recorded !== embedder.fingerprint) {
    throw new ModelMismatchError(
      `the store's vectors were written by ${meta.get('model_id')} (${meta.get('model_dtype')}, sha256 ${meta
        .get('model_checksum')
        ?.slice(0, 12)}…), but the configured model is ${embedder.modelId} (${embedder.dtype}, sha256 ${embedder.checksum.slice(0, 12)}…). ` +
        'Use the same model and dtype (CLEARANCE_MODEL_DIR / CLEARANCE_MODEL_DTYPE), or ingest into a new store (CLEARANCE_STORE_URI).',
    );
  }
}
