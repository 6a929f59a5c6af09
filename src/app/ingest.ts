import path from 'node:path';
import { ingestAll, ingestUnderLease, type IngestOptions, type IngestReport } from '../ingest/ingest.js';
import { DEFAULT_SECRETS_MODE } from '../labels/secrets.js';
import type { App } from './app.js';

export type CorporaIngestOptions = Partial<Omit<IngestOptions, 'store' | 'embedder' | 'knownClasses' | 'directory' | 'secretsMode'>>;

/** The ingest options the app's store, model and policy in force give (labels are checked against the policy). */
async function corporaOptions(app: App, options: CorporaIngestOptions): Promise<IngestOptions> {
  const policy = app.policy();
  const secrets = new Map(policy.classes.map((c) => [c.id, c.secrets]));
  return {
    corporaDir: app.config.corporaDir,
    pull: { storageOptions: app.config.storageOptions, cacheDir: path.join(app.config.home, 'sources') },
    ...options,
    store: app.store,
    embedder: await app.embedder(),
    knownClasses: new Set(policy.classes.map((c) => c.id)),
    directory: policy,
    secretsMode: (dataClass) => secrets.get(dataClass) ?? DEFAULT_SECRETS_MODE,
  };
}

/** Ingests the app's corpora folder into its store, taking the store's writer lease for the run. */
export async function ingestCorpora(app: App, options: CorporaIngestOptions = {}): Promise<IngestReport> {
  return ingestAll(await corporaOptions(app, options));
}

/** The same, for a caller already holding the writer lease (the corpora watcher). */
export async function ingestCorporaUnderLease(app: App, options: CorporaIngestOptions = {}): Promise<IngestReport> {
  return ingestUnderLease(await corporaOptions(app, options));
}
