import type { NextFunction, Request, Response } from 'express';
// For its declaration of `req.auth`, which the SDK's transport hands to the MCP server as authInfo.
import type {} from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { GrantError, GrantRefused, type TaskGrant } from '../identity/grant.js';
import type { GrantVerifier } from '../identity/verify.js';
import { bearerChallenge, type Challenge } from './challenge.js';

/**
 * The OAuth 2.1 resource server's bearer check (RFC 6750 §2.1, header only). Statuses follow what
 * makes clients behave: no token → 401 with a challenge and no error code (§3.1); a token that
 * does not verify → 401 `invalid_token`; a valid token this server will not serve → 403
 * `insufficient_scope`, so clients stop instead of signing in again in a loop.
 */
export interface BearerOptions {
  verifier: GrantVerifier;
  resourceMetadataUrl: string;
  scopes: readonly string[];
}

/** How a refusal answers: the status, a challenge, and an OAuth error body (also what the audit reads). */
export function refuse(res: Response, status: 400 | 401 | 403, challenge: Omit<Challenge, 'resourceMetadata'>, options: Omit<BearerOptions, 'verifier'>): void {
  res.set('WWW-Authenticate', bearerChallenge({ resourceMetadata: options.resourceMetadataUrl, scope: options.scopes, ...challenge }));
  const body = challenge.error ? { error: challenge.error, error_description: challenge.description } : { error_description: challenge.description };
  res.status(status).json(body);
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function bearerAuth(options: BearerOptions) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization;
    if (header === undefined) return refuse(res, 401, { description: 'A bearer token is required: sign in (see the resource metadata)' }, options);
    const token = BEARER.exec(header)?.[1];
    if (!token) return refuse(res, 400, { error: 'invalid_request', description: 'The Authorization header must be "Bearer <token>"' }, options);
    let grant: TaskGrant;
    try {
      grant = await options.verifier.verify(token);
    } catch (err) {
      if (err instanceof GrantRefused) {
        const scope = err.missingScopes.length > 0 ? [...new Set([...options.scopes, ...err.missingScopes])] : options.scopes;
        return refuse(res, 403, { error: 'insufficient_scope', description: err.message, scope }, options);
      }
      const description = err instanceof GrantError ? err.message : 'token could not be verified';
      return refuse(res, 401, { error: 'invalid_token', description }, options);
    }
    req.auth = {
      token,
      clientId: grant.client ?? grant.agent,
      scopes: grant.scopes ?? [],
      expiresAt: Math.floor(grant.expiresAt.getTime() / 1000),
      extra: { grant },
    };
    next();
  };
}
