import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { Embedder } from '../embed/embedder.js';
import { Governance } from '../governance/governance.js';
import { TaintStore } from '../governance/taint.js';
import { publishedVerificationKeys } from '../identity/key-registry.js';
import { loadOrCreateSigningKey, type SigningKey } from '../identity/keys.js';
import { GrantVerifier } from '../identity/verify.js';
import type { PolicyEngine } from '../policy/engine.js';
import { LivePolicy } from '../policy/live.js';
import { SourceCatalog } from '../retrieval/source-catalog.js';
import type { CompactionOptions } from '../store/compaction.js';
import { Store } from '../store/store.js';
import { serverLogger } from './server-log.js';

/**
 * The composition root: config, store, policy, governance and (on first use) the embedding model and
 * the signing key, opened once and handed to the MCP server, the CLI commands and the demo. Nothing
 * else wires these together.
 */
export interface App {
  config: Config;
  store: Store;
  governance: Governance;
  /** What each task has received (shared by its sessions, processes and replicas). */
  taint: TaintStore;
  sources: SourceCatalog;
  /** The operational log (stderr): the server's, and where background store work reports. */
  log: Logger;
  /** How the tables written on every call or session are compacted (received chunks, task registry; the audit segments by the shipper). */
  compaction: CompactionOptions;
  /** The policy in force now (throws when it cannot be known: fail closed). */
  policy(): PolicyEngine;
  /** The live published version (or the policy folder) and its watcher. */
  livePolicy: LivePolicy;
  embedder(): Promise<Embedder>;
  signingKey(): Promise<SigningKey>;
  /** Task grants and IdP tokens (own keys, keys published in the store, configured issuers). */
  verifier(): Promise<GrantVerifier>;
  close(): Promise<void>;
}

/** Opens what every command needs; the model and the key load only when first asked for. */
export async function openApp(config: Config): Promise<App> {
  const store = await Store.open(config);
  const log = serverLogger(config.logLevel);
  const compaction: CompactionOptions = {
    everyCommits: config.compactEveryCommits,
    onError: (table, err) => log.warn({ table, error: err.message }, 'table compaction failed; the next one retries'),
  };
  let governance: Governance;
  let taint: TaintStore;
  let livePolicy: LivePolicy;
  try {
    livePolicy = await LivePolicy.open(store, config.policyDir);
    governance = await Governance.open(store, compaction);
    taint = await TaintStore.open(store, compaction);
  } catch (err) {
    store.close();
    throw err;
  }
  let embedder: Promise<Embedder> | null = null;
  let key: Promise<SigningKey> | null = null;
  let verifier: Promise<GrantVerifier> | null = null;
  const signingKey = () => (key ??= loadOrCreateSigningKey(config.keysDir));
  return {
    config,
    store,
    governance,
    taint,
    sources: new SourceCatalog(store),
    log,
    compaction,
    policy: () => livePolicy.current(),
    livePolicy,
    embedder: () => (embedder ??= Embedder.load(config.modelDir, config.modelDtype)),
    signingKey,
    // Grants minted on any admin machine verify here through the keys published in the shared store.
    verifier: () => (verifier ??= signingKey().then((k) => new GrantVerifier(k, config, () => publishedVerificationKeys(store)))),
    async close() {
      livePolicy.stop();
      await Promise.all([taint.compactor.settled(), governance.taskCompactor?.settled()]);
      if (embedder) await (await embedder).dispose();
      store.close();
    },
  };
}

/** Runs `fn` with an open app and always closes it. */
export async function withApp<T>(config: Config, fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp(config);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
