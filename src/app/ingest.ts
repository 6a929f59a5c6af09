import path from 'node:path';
import { ingestAll, type IngestOptions, type IngestReport } from '../ingest/ingest.js';
import { DEFAULT_SECRETS_MODE } from '../labels/secrets.js';
import type { App } from './app.js';

/** Ingests the app's corpora folder into its store under the policy in force (labels are checked against it). */
export async function ingestCorpora(
  app: App,
  options: Partial<Omit<IngestOptions, 'store' | 'embedder' | 'knownClasses' | 'directory' | 'secretsMode'>> = {},
): Promise<IngestReport> {
  const policy = app.policy();
  const secrets = new Map(policy.classes.map((c) => [c.id, c.secrets]));
  return ingestAll({
    corporaDir: app.config.corporaDir,
    pull: { storageOptions: app.config.storageOptions, cacheDir: path.join(app.config.home, 'sources') },
    ...options,
    store: app.store,
    embedder: await app.embedder(),
    knownClasses: new Set(policy.classes.map((c) => c.id)),
    directory: policy,
    secretsMode: (dataClass) => secrets.get(dataClass) ?? DEFAULT_SECRETS_MODE,
  });
}
