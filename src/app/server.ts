import type { Router } from 'express';
import type { AuditLog } from '../audit/log.js';
import { openAuditLog } from '../audit/open.js';
import { AuditShipper } from '../audit/shipper.js';
import type { Config } from '../config/config.js';
import { assertStoreModel } from '../embed/model-guard.js';
import { Gate, type GateDeps } from '../gate/gate.js';
import { KillSwitchWatcher } from '../governance/watcher.js';
import type { TaskGrant } from '../identity/grant.js';
import type { GrantVerifier } from '../identity/verify.js';
import { CallRate } from '../config/quotas.js';
import { consoleRouter } from '../console/server.js';
import { SessionRefused, type SessionDeps } from '../mcp/session.js';
import type { TaskRow } from '../governance/tables.js';
import { openApp, type App } from './app.js';
import type pino from 'pino';
import type { OpsEndpoints } from '../mcp/ops-routes.js';
import { auditPort } from './audit-adapter.js';
import { corePorts } from './core.js';
import { readiness } from './health.js';
import { scimEndpoint } from './scim.js';
import { ServerMetrics } from './metrics.js';
import { observedAuditPort } from './observed-audit.js';

/** One serving process: the app plus its kill-switch watcher, audit log, grant verifier and gate. */
export interface ServerRuntime extends SessionDeps {
  app: App;
  watcher: KillSwitchWatcher;
  auditLog: AuditLog;
  verifier: GrantVerifier;
  /** The web console's pages, mounted at /console by the HTTP transport. */
  console: Router;
  /** SCIM 2.0 provisioning for the HTTP transport to mount at /scim/v2, null when not configured (docs/scim.md). */
  scim(): Router | null;
  metrics: ServerMetrics;
  /** Operational log (stderr, `logLevel`): sessions, calls, refusals, shutdown. */
  logger: pino.Logger;
  /** What `/healthz`, `/readyz` and `/metrics` read. */
  ops: OpsEndpoints;
  close(): Promise<void>;
}

/**
 * Serve the live policy version from now on: swaps and refused versions are audited (and told on
 * stderr), and a policy state unreadable for governanceTimeoutSeconds fails every call closed.
 */
function followPolicy(app: App, log: AuditLog, watchFolder: boolean): void {
  const actor = { actor: `server:${log.replicaId}`, actor_auth: 'process' };
  const record = (action: string, target: string, detail: Record<string, unknown>) => {
    process.stderr.write(`clearance: ${action} ${target} ${JSON.stringify(detail)}\n`);
    log.append({ kind: 'admin', ...actor, action, target, detail }).catch(() => undefined);
  };
  app.livePolicy.start({
    failClosedAfterMs: app.config.governanceTimeoutSeconds * 1000,
    watchFolder,
    events: {
      swapped: (e) => record('policy.live', e.version, { seq: e.seq, from: e.from }),
      refused: (e) => record('policy.refused', e.what, { error: e.error.slice(0, 2000) }),
    },
  });
}

/** What the gate decides from in a serving process: the live policy, live approvals, the kill-switch watcher. */
export function gateDeps(app: App, watcher: KillSwitchWatcher): GateDeps {
  return {
    policy: app.policy,
    freshPolicy: () => app.livePolicy.fresh(),
    liveApprovals: (identity) => app.governance.liveApprovals(identity.taskId, identity.human),
    killedFor: (identity) => watcher.check(identity),
  };
}

/** Everything that can fail is opened here, before any agent is served. */
export async function openServer(config: Config, options: { replicaId?: string; watchPolicy?: boolean } = {}): Promise<ServerRuntime> {
  const app = await openApp(config);
  const embedder = await app.embedder();
  await assertStoreModel(app.store, embedder, { claim: false });
  const watcher = new KillSwitchWatcher(app.governance, config.governanceTimeoutSeconds * 1000);
  await watcher.start();
  const auditLog = await openAuditLog(config, options.replicaId ?? config.replicaId);
  const shipper = await AuditShipper.start(app.store, auditLog, config.auditShipSeconds * 1000, app.compaction);
  const verifier = await app.verifier();
  followPolicy(app, auditLog, options.watchPolicy ?? false);
  const gate = new Gate(gateDeps(app, watcher));
  const metrics = new ServerMetrics({
    killSwitches: () => watcher.state,
    policy: () => {
      let version: string | null = null;
      try {
        version = app.policy().version;
      } catch {
        // Too old to serve: calls fail closed, and the metric says so.
      }
      return { version, liveSeq: app.livePolicy.liveSeq, lastReadAt: app.livePolicy.lastReadAt };
    },
    audit: () => ({ available: auditLog.isAvailable(), written: auditLog.lastSeq, shipped: shipper.shippedThrough }),
  });
  const logger = app.log;

  async function admit(grant: TaskGrant): Promise<void> {
    const policy = app.policy();
    if (!policy.isHuman(grant.human)) throw new SessionRefused(`unknown human: the token's human is not known to the policy`);
    if (!policy.isAgent(grant.agent)) throw new SessionRefused(`unknown client: the token's agent "${grant.agent}" has no workflow in the policy`);
    if ((await app.governance.revokedTasks()).has(grant.taskId)) throw new SessionRefused(`task ${grant.taskId} was revoked`);
    if (grant.sessionTask) await app.governance.recordTask(sessionTaskRow(grant));
  }

  return {
    app,
    watcher,
    auditLog,
    verifier,
    console: consoleRouter(app, watcher),
    // Built when the HTTP transport asks: a stdio server sharing the config file needs no SCIM token.
    scim: () => scimEndpoint(app, auditLog),
    gate,
    core: corePorts(app, { store: app.store, embedder, sources: app.sources }, embedder.modelId),
    audit: observedAuditPort(auditPort(app, auditLog, embedder.modelId), metrics, logger),
    metrics,
    logger,
    ops: { readiness: () => readiness(app, watcher, auditLog), metrics },
    admit,
    rate: new CallRate(config.quotas.callsPerMinutePerTask),
    async close() {
      watcher.stop();
      await auditLog.close();
      await shipper.stop();
      await app.close();
    },
  };
}

/** A session that is its own task is recorded like a minted one: listed, revocable, killable by task id. */
function sessionTaskRow(grant: TaskGrant): TaskRow {
  return {
    task_id: grant.taskId,
    jti: grant.jti,
    human: grant.human,
    agent: grant.agent,
    purpose: grant.purpose,
    scope: JSON.stringify(grant.scope),
    issued_at: new Date().toISOString(),
    expires_at: grant.expiresAt.toISOString(),
    issued_by: `idp:${grant.issuer}`,
    revoked_at: null,
    revoked_by: null,
  };
}
