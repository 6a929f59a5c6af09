import { ingestAll, type IngestOptions, type IngestReport } from '../ingest/ingest.js';
import type { App } from './app.js';

/** Ingests the app's corpora folder into its store under the policy in force (labels are checked against it). */
export async function ingestCorpora(
  app: App,
  options: Partial<Omit<IngestOptions, 'store' | 'embedder' | 'knownClasses' | 'directory'>> = {},
): Promise<IngestReport> {
  const policy = app.policy();
  return ingestAll({
    corporaDir: app.config.corporaDir,
    ...options,
    store: app.store,
    embedder: await app.embedder(),
    knownClasses: new Set(policy.classes.map((c) => c.id)),
    directory: policy,
  });
}
