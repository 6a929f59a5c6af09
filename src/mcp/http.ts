import type { Server as HttpServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { hostHeaderValidation, localhostHostValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Config } from '../config/config.js';
import type { TaskGrant } from '../identity/grant.js';
import type { GrantVerifier } from '../identity/verify.js';
import { bearerAuth, refuse } from './bearer.js';
import { auditRefusals } from './http-audit.js';
import { healthRoutes, metricsRoute, type OpsEndpoints } from './ops-routes.js';
import { serveRun } from './server.js';
import { endRun, SessionRefused, startRun, type Session, type SessionDeps } from './session.js';

const BODY_LIMIT = '1mb';
const LOCAL_HOSTS = ['127.0.0.1', 'localhost', '::1'];

interface LiveSession {
  session: Session;
  transport: StreamableHTTPServerTransport;
  jti: string;
  expiry: NodeJS.Timeout;
  /** Closes the session after `quotas.sessionIdleSeconds` without a request; reset by each request. */
  idle: NodeJS.Timeout;
}

/** The path part of the configured resource URI is where MCP is served (e.g. /mcp). */
export function mcpPath(resource: string): string {
  const { pathname } = new URL(resource);
  return pathname === '' ? '/' : pathname;
}

/** The RFC 9728 metadata URL for the configured resource, as the server itself serves it. */
export function protectedResourceMetadataPath(resource: string): string {
  const path = mcpPath(resource);
  return `/.well-known/oauth-protected-resource${path === '/' ? '' : path}`;
}

/**
 * RFC 9728 protected resource metadata. `authorization_servers` lists every configured issuer that
 * is a URL (the local `clearance-local` issuer is not an authorization server); with local grants
 * only it is left out, and clients are configured with a bearer header instead of signing in.
 */
export function protectedResourceMetadata(config: Config): Record<string, unknown> {
  const servers = [config.issuer, ...config.externalIssuers.map((i) => i.issuer)].filter((i) => /^https?:\/\//.test(i));
  return {
    resource: config.resource,
    ...(servers.length > 0 ? { authorization_servers: [...new Set(servers)] } : {}),
    ...(config.scopes.length > 0 ? { scopes_supported: config.scopes } : {}),
    bearer_methods_supported: ['header'],
    resource_name: 'Clearance permission-aware knowledge server',
    resource_documentation: 'https://github.com/clearance/clearance#connect-an-agent',
  };
}

function jsonRpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/**
 * Streamable HTTP with stateful sessions. Clearance is an OAuth 2.1 resource server here: every
 * request needs a bearer task grant whose audience is this server's resource URI; a session stays
 * bound to the grant that opened it. The token is verified and never forwarded. With `ops`, the
 * health endpoints are served too, and `/metrics` when it has a token and no port of its own.
 */
export function createHttpApp(
  config: Config,
  deps: SessionDeps,
  verifier: GrantVerifier,
  publicBaseUrl: string,
  mounts: { ops?: OpsEndpoints; pages?: Record<string, express.Router> } = {},
): { app: express.Express; closeAll(reason: string): Promise<void> } {
  const app = express();
  app.disable('x-powered-by');
  const { ops, pages = {} } = mounts;
  if (ops) {
    app.use(healthRoutes(ops));
    if (config.metricsToken !== undefined && config.metricsPort === undefined) app.use(metricsRoute(ops, config.metricsToken));
  }
  const sessions = new Map<string, LiveSession>();
  const path = mcpPath(config.resource);
  // First, so every refusal below (host, origin, bearer, session, body) is recorded before it leaves.
  app.use(auditRefusals(deps.audit, path, (id) => sessions.get(id)?.session.run.runId ?? null));
  app.use(LOCAL_HOSTS.includes(config.httpHost) ? localhostHostValidation() : hostHeaderValidation([new URL(config.resource).hostname, ...LOCAL_HOSTS]));
  // Human-facing pages (the console) guard their own forms (SameSite cookies, CSRF tokens); the origin allowlist below is for agent sessions.
  for (const [mount, router] of Object.entries(pages)) app.use(mount, router);
  const publicOrigins = new Set([new URL(config.resource).origin, new URL(publicBaseUrl).origin, ...config.allowedOrigins]);
  app.use((req: Request, res: Response, next: NextFunction) => {
    // Browsers send Origin; a page may drive an agent session only from this server's own origin
    // (the Host header was validated just above, so a rebound name never gets here) or a configured one.
    const origin = req.headers.origin;
    if (origin && !publicOrigins.has(origin) && origin !== `${req.protocol}://${req.headers.host}`)
      return jsonRpcError(res, 403, -32600, `Origin ${origin} is not allowed; add it to allowedOrigins if pages there may call this server`);
    next();
  });

  const metadataPath = protectedResourceMetadataPath(config.resource);
  app.get([metadataPath, '/.well-known/oauth-protected-resource'], (_req, res) => {
    res.json(protectedResourceMetadata(config));
  });

  const challenge = { resourceMetadataUrl: new URL(metadataPath, publicBaseUrl).href, scopes: config.scopes };
  const auth = bearerAuth({ verifier, ...challenge });

  /** Initializes in flight per grant (jti), so the session quota holds under concurrent initializes. */
  const opening = new Map<string, number>();

  const close = async (id: string, reason: string) => {
    const live = sessions.get(id);
    if (!live) return;
    sessions.delete(id);
    clearTimeout(live.expiry);
    clearTimeout(live.idle);
    await endRun(live.session, reason).catch(() => undefined);
    await live.transport.close().catch(() => undefined);
  };

  app.post(path, express.json({ limit: BODY_LIMIT }), auth, async (req: Request, res: Response) => {
    const grant = (req.auth?.extra as { grant: TaskGrant }).grant;
    const sessionId = req.header('mcp-session-id');
    if (sessionId) {
      const live = sessions.get(sessionId);
      // Unknown session (expired, or opened on another replica): 404 tells the client to re-initialise.
      if (!live) return jsonRpcError(res, 404, -32001, 'Session not found; initialize a new session');
      if (live.jti !== grant.jti) return jsonRpcError(res, 403, -32600, 'This session belongs to a different task grant');
      live.idle.refresh();
      return live.transport.handleRequest(req, res, req.body);
    }
    if (!isInitializeRequest(req.body)) return jsonRpcError(res, 400, -32600, 'No Mcp-Session-Id: the first request of a session must be initialize');
    // Sessions still initialising count too: otherwise concurrent initializes all pass the check.
    const open = [...sessions.values()].filter((s) => s.jti === grant.jti).length + (opening.get(grant.jti) ?? 0);
    if (open >= config.quotas.sessionsPerGrant) {
      return jsonRpcError(
        res,
        429,
        -32600,
        `Quota exceeded: this task grant already has ${open} open sessions (the limit); close one (HTTP DELETE) or reuse it`,
      );
    }
    opening.set(grant.jti, (opening.get(grant.jti) ?? 0) + 1);
    try {
      await openSession(req, res, grant);
    } finally {
      const left = (opening.get(grant.jti) ?? 1) - 1;
      if (left > 0) opening.set(grant.jti, left);
      else opening.delete(grant.jti);
    }
  });

  const openSession = async (req: Request, res: Response, grant: TaskGrant) => {
    let session: Session;
    try {
      session = await startRun(deps, grant, 'http');
    } catch (err) {
      // A valid token for someone the policy does not know: 403 with a challenge, never 401 (no sign-in loop).
      if (err instanceof SessionRefused) return refuse(res, 403, { error: 'insufficient_scope', description: err.message }, challenge);
      return jsonRpcError(res, 503, -32600, 'Clearance cannot start a run right now (fail closed)');
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        const expiry = setTimeout(() => void close(id, 'grant expired'), Math.max(0, grant.expiresAt.getTime() - Date.now()));
        expiry.unref();
        const idle = setTimeout(() => void close(id, 'idle session expired'), config.quotas.sessionIdleSeconds * 1000);
        idle.unref();
        sessions.set(id, { session, transport, jti: grant.jti, expiry, idle });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) void close(transport.sessionId, 'client closed the session');
    };
    await serveRun(session, transport, { jti: grant.jti });
    await transport.handleRequest(req, res, req.body);
  };

  const existing = async (req: Request, res: Response) => {
    const grant = (req.auth?.extra as { grant: TaskGrant }).grant;
    const live = sessions.get(req.header('mcp-session-id') ?? '');
    if (!live) return jsonRpcError(res, 404, -32001, 'Session not found; initialize a new session');
    if (live.jti !== grant.jti) return jsonRpcError(res, 403, -32600, 'This session belongs to a different task grant');
    live.idle.refresh();
    await live.transport.handleRequest(req, res);
  };
  app.get(path, auth, existing);
  app.delete(path, auth, existing);

  // Body parser failures (too large, not JSON) become JSON-RPC errors, never HTML or stack traces.
  app.use((err: { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') return jsonRpcError(res, 413, -32600, `Request body is larger than ${BODY_LIMIT}`);
    if (err.type === 'entity.parse.failed') return jsonRpcError(res, 400, -32700, 'Parse error: the body is not valid JSON');
    jsonRpcError(res, err.status ?? 500, -32603, 'Internal error');
  });

  return {
    app,
    async closeAll(reason: string) {
      await Promise.all([...sessions.keys()].map((id) => close(id, reason)));
    },
  };
}

export async function listen(app: express.Express, host: string, port: number): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => resolve(server));
    // Outlive clients' idle keep-alive sockets, so a client never sends on a socket we are closing.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.once('error', reject);
  });
}
