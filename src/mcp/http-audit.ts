import type { NextFunction, Request, Response } from 'express';
import type { TaskGrant } from '../identity/grant.js';
import { TASK_CLAIM } from '../identity/grant.js';
import type { AuditPort, RequestClaims } from './audit-port.js';
import { oneLine, paramsShape } from './protocol-audit.js';

const NO_CLAIMS: RequestClaims = { verified: false, sub: null, azp: null, jti: null, taskId: null };

const claim = (value: unknown): string | null => (typeof value === 'string' ? value.slice(0, 128) : null);

/**
 * Who a request says it is. A grant that verified (`req.auth`, set by the bearer middleware) is
 * taken as is; otherwise the token's payload is read WITHOUT checking its signature, for the
 * record only, and marked unverified: it is what an attacker claimed, never an identity.
 */
export function requestClaims(req: Request): RequestClaims {
  const grant = (req.auth?.extra as { grant?: TaskGrant } | undefined)?.grant;
  if (grant) return { verified: true, sub: grant.human, azp: grant.agent, jti: grant.jti, taskId: grant.taskId };
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return NO_CLAIMS;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const task = claims[TASK_CLAIM] as { task_id?: unknown } | undefined;
    return { verified: false, sub: claim(claims.sub), azp: claim(claims.azp), jti: claim(claims.jti), taskId: claim(task?.task_id) };
  } catch {
    return NO_CLAIMS;
  }
}

/** The refusal's reason as its body or header states it (JSON-RPC error, OAuth error, or the status). */
function reasonOf(res: Response, body: unknown): string {
  let text = '';
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      const parsed = JSON.parse(body.toString()) as { error?: { message?: unknown } | string; error_description?: unknown };
      const error = parsed.error;
      text = String((typeof error === 'object' ? error?.message : undefined) ?? parsed.error_description ?? error ?? '');
    } catch {
      text = '';
    }
  }
  return oneLine(text || String(res.getHeader('www-authenticate') ?? '') || `HTTP ${res.statusCode}`);
}

/**
 * Every refusal (status 400 and above) on the MCP path is recorded before it leaves: 401 for a
 * missing or bad bearer, 403 for a foreign origin or a session of another grant, 404 for an unknown
 * session, 413, parse errors, and the transport's own refusals inside a session. `runOf` names the
 * run whose session a request addressed. The refusal is sent even if the record cannot be written:
 * it carries nothing.
 */
export function auditRefusals(audit: AuditPort, mcpPath: string, runOf: (sessionId: string) => string | null) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path !== mcpPath) return next();
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    let recorded = false;
    res.end = ((...args: unknown[]) => {
      if (recorded || res.statusCode < 400) return end(...args);
      recorded = true;
      const rpc = (req.body ?? {}) as { method?: unknown; id?: unknown; params?: unknown };
      const sessionId = req.header('mcp-session-id');
      void audit
        .recordProtocol({
          layer: 'http',
          runId: sessionId ? runOf(sessionId) : null,
          transport: 'http',
          claims: requestClaims(req),
          method: typeof rpc.method === 'string' ? rpc.method.slice(0, 80) : null,
          requestId: rpc.id === undefined ? null : JSON.stringify(rpc.id).slice(0, 80),
          http: `${req.method} ${req.path}`,
          paramsShape: paramsShape(rpc.params),
          outcome: 'refused',
          status: res.statusCode,
          reason: reasonOf(res, args[0]),
        })
        .catch(() => undefined)
        .finally(() => end(...args));
      return res;
    }) as Response['end'];
    next();
  };
}
