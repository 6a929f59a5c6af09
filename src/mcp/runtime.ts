import type { Config } from '../config/config.js';
import { AuditLog } from '../audit/log.js';
import { AuditShipper } from '../audit/shipper.js';
import type { CallEvent, RunEvent } from '../audit/record.js';
import { Embedder } from '../embed/embedder.js';
import { assertStoreModel } from '../embed/model-guard.js';
import { Governance } from '../governance/governance.js';
import { checkRelease } from '../governance/release.js';
import { KillSwitchWatcher } from '../governance/watcher.js';
import { GrantVerifier, type TaskGrant } from '../identity/grant.js';
import type { RequestIdentity } from '../identity/identity.js';
import { publishedVerificationKeys } from '../identity/key-registry.js';
import { loadOrCreateSigningKey } from '../identity/keys.js';
import { computeAuthority } from '../policy/authority.js';
import { PolicyEngine } from '../policy/engine.js';
import { fetchDocument } from '../retrieval/fetch.js';
import { search } from '../retrieval/search.js';
import { listSources } from '../retrieval/sources.js';
import { Store } from '../store/store.js';
import type { AuditPort, CallRecord, RunRecord } from './audit-port.js';
import type { CorePorts } from './ports.js';
import { SessionRefused, type SessionDeps } from './session.js';

export interface Runtime extends SessionDeps {
  config: Config;
  store: Store;
  embedder: Embedder;
  policy: PolicyEngine;
  governance: Governance;
  watcher: KillSwitchWatcher;
  auditLog: AuditLog;
  verifier: GrantVerifier;
  close(): Promise<void>;
}

const runFields = (identity: RequestIdentity) => ({
  run_id: identity.runId,
  task_id: identity.taskId,
  task_purpose: identity.purpose,
  agent: identity.agent,
  human: identity.human,
  transport: identity.transport,
});

/**
 * Wires one server process: the store, model, policy, governance watcher and audit log, exposed to the
 * MCP layer as narrow ports. Everything that can fail is opened here, before any agent is served.
 */
export async function openRuntime(config: Config, options: { replicaId?: string } = {}): Promise<Runtime> {
  const policy = await PolicyEngine.load(config.policyDir);
  const store = await Store.open(config);
  const embedder = await Embedder.load(config.modelDir, config.modelDtype);
  await assertStoreModel(store, embedder, { claim: false });
  const governance = await Governance.open(store);
  const watcher = new KillSwitchWatcher(governance);
  await watcher.start();
  const auditLog = AuditLog.open({ auditDir: config.auditDir, replicaId: options.replicaId ?? config.replicaId });
  const shipper = await AuditShipper.start(store, auditLog, config.auditShipSeconds * 1000);
  // Grants minted on any admin machine verify here through the keys published in the shared store.
  const verifier = new GrantVerifier(await loadOrCreateSigningKey(config.keysDir), config, () => publishedVerificationKeys(store));
  const retrieval = { store, embedder, policy };

  const core: CorePorts = {
    policyVersion: () => policy.version,
    modelId: embedder.modelId,
    serverName: policy.server.server_name,
    allowedMethods: (identity) => policy.agentMethods(identity.agent).filter((m) => !identity.scope.methods || identity.scope.methods.includes(m)),
    reachableClasses(identity, approvals) {
      const authority = computeAuthority(policy, identity, approvals);
      return { classes: authority.classes.map((c) => c.id), withApproval: authority.withApproval, sources: authority.sources ?? 'all' };
    },
    async search(identity, approvals, request) {
      const result = await search(retrieval, { identity, approvals, ...request });
      return {
        hits: result.hits.map((h) => ({
          result_id: h.chunkId,
          title: h.title,
          heading: h.heading,
          text: h.text,
          citation: { source: h.source, doc_id: h.docId, doc_version: h.docVersion, ordinal: h.ordinal, span: h.span, chunk_hash: h.chunkHash },
          data_class: h.dataClass,
          owner: h.owner,
          score: h.score,
          stale: h.stale,
          age_days: h.ageDays,
          rule: h.rule,
        })),
        withheld: result.withheld,
        tableVersion: result.tableVersion,
        timings: result.timings,
      };
    },
    async fetch(identity, approvals, id) {
      const { doc, withheld, tableVersion } = await fetchDocument(retrieval, { identity, approvals, id });
      if (!doc) return { doc: null, withheld, tableVersion };
      return {
        withheld,
        tableVersion,
        doc: {
          doc_id: doc.docId,
          title: doc.title,
          source: doc.source,
          data_class: doc.dataClass,
          owner: doc.owner,
          doc_version: doc.docVersion,
          updated_at: doc.updatedAt,
          stale: doc.stale,
          text: doc.text,
          chunks: doc.chunks.map((c) => ({ result_id: c.chunkId, ordinal: c.ordinal, span: c.span, chunk_hash: c.chunkHash })),
          rule: doc.rule,
        },
      };
    },
    async listSources(identity, approvals) {
      return (await listSources(retrieval, { identity, approvals })).map((s) => ({
        source: s.source,
        title: s.title,
        data_class: s.dataClass,
        owner: s.owner,
        freshness: s.freshness,
        stale: s.stale,
        needs_approval: s.needsApproval,
        approved_until: s.approvedUntil,
      }));
    },
    liveApprovals: (identity) => governance.liveApprovals(identity.taskId, identity.human),
    async requestAccess(identity, target, reason) {
      const row = await governance.requestAccess(identity, target, reason);
      return { request_id: row.id, status: 'pending' };
    },
    killedFor: (identity) => watcher.killedFor(identity),
    checkRelease: (received, destinationClass, draft) => checkRelease({ received, destinationClass, draft, readers: policy }),
    knownClass: (id) => policy.classInfo(id) !== undefined,
  };

  const audit: AuditPort = {
    async recordCall(r: CallRecord) {
      const event: CallEvent = {
        kind: 'call',
        ...runFields(r.identity),
        method: r.method,
        reason: r.reason,
        args: config.redactQueries && typeof r.args.query === 'string' ? { ...r.args, query: '[redacted]' } : r.args,
        decision: r.decision,
        denial: r.denial ?? null,
        boundary_pressure: r.boundaryPressure ?? null,
        chunks: r.chunks,
        withheld: r.withheld,
        policy_version: policy.version,
        model_id: embedder.modelId,
        table_version: r.tableVersion ?? null,
        latency_ms: r.latencyMs,
        timings: r.timings ?? null,
        error: r.error ?? null,
      };
      await auditLog.append(event);
    },
    async recordRun(r: RunRecord) {
      const event: RunEvent = {
        kind: r.kind,
        ...runFields(r.identity),
        server_name: policy.server.server_name,
        grant_expires_at: r.identity.grantExpiresAt,
        scope: { sources: r.identity.scope.sources ?? null, classes: r.identity.scope.classes ?? null, methods: r.identity.scope.methods ?? null },
        methods_allowed: r.methodsAllowed,
        classes_reachable: r.classesReachable,
        classes_with_approval: r.classesWithApproval,
        sources_in_scope: r.sourcesInScope,
        received: r.received ?? null,
        end_reason: r.endReason ?? null,
        policy_version: policy.version,
      };
      await auditLog.append(event);
    },
  };

  async function admit(grant: TaskGrant): Promise<void> {
    if (!policy.isHuman(grant.human)) throw new SessionRefused(`the task grant's human is not known to the policy`);
    if (!policy.isAgent(grant.agent)) throw new SessionRefused(`the task grant's agent has no workflow in the policy`);
    if ((await governance.revokedTasks()).has(grant.taskId)) throw new SessionRefused(`task ${grant.taskId} was revoked`);
  }

  return {
    config,
    store,
    embedder,
    policy,
    governance,
    watcher,
    auditLog,
    verifier,
    core,
    audit,
    admit,
    async close() {
      watcher.stop();
      await auditLog.close();
      await shipper.stop();
      await embedder.dispose();
      store.close();
    },
  };
}
