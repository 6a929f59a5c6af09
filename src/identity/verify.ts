import { createRemoteJWKSet, errors as joseErrors, importJWK, jwtVerify, type CryptoKey, type JWK, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import { IdSchema } from '../labels/ids.js';
import { GrantError, TASK_CLAIM, TaskClaimSchema, type TaskGrant } from './grant.js';
import type { SigningKey } from './keys.js';

/**
 * Claim mapping: human = `sub`, agent = `azp` (or `client_id`), task = the `clearance` claim.
 * `sub` and the agent are bare ids (alice, claude-code), never prefixed principals.
 */
const GrantPayloadSchema = z.object({
  sub: IdSchema,
  azp: IdSchema.optional(),
  client_id: IdSchema.optional(),
  jti: z.string().min(1).max(128),
  exp: z.number(),
});

/** How often an unknown `kid` may trigger a re-read of the published keys. */
const KEY_REFRESH_MS = 1_000;

/**
 * Verifies grants from Clearance's own issuer (this process's key, or any key published in the shared
 * store by another admin machine) and from configured external issuers (by JWKS).
 */
export class GrantVerifier {
  private readonly remote = new Map<string, { jwks: ReturnType<typeof createRemoteJWKSet>; scopeClaim: string }>();
  private readonly ownKeys = new Map<string, CryptoKey>();
  private refreshedAt = 0;
  private readonly localKid: string;

  constructor(
    key: SigningKey,
    private readonly config: Pick<Config, 'issuer' | 'resource' | 'externalIssuers'>,
    private readonly publishedKeys: () => Promise<JWK[]> = async () => [],
  ) {
    this.localKid = key.kid;
    this.ownKeys.set(key.kid, key.publicKey);
    for (const issuer of config.externalIssuers) {
      this.remote.set(issuer.issuer, { jwks: createRemoteJWKSet(new URL(issuer.jwksUri)), scopeClaim: issuer.scopeClaim });
    }
  }

  private async ownKey(header: JWTHeaderParameters): Promise<CryptoKey> {
    // A token without a kid can only mean this process's own key.
    const kid = header.kid ?? this.localKid;
    if (!this.ownKeys.has(kid) && Date.now() - this.refreshedAt > KEY_REFRESH_MS) {
      this.refreshedAt = Date.now();
      for (const jwk of await this.publishedKeys()) {
        if (jwk.kid && !this.ownKeys.has(jwk.kid)) this.ownKeys.set(jwk.kid, (await importJWK(jwk, 'EdDSA')) as CryptoKey);
      }
    }
    const key = this.ownKeys.get(kid);
    if (!key) throw new GrantError(`token key "${kid}" is not a published Clearance key`);
    return key;
  }

  async verify(token: string): Promise<TaskGrant> {
    const issuer = peekIssuer(token);
    const external = this.remote.get(issuer);
    const own = issuer === this.config.issuer;
    if (!own && !external) throw new GrantError('token issuer is not trusted by this server');
    let payload: JWTPayload;
    try {
      const options = {
        issuer,
        audience: this.config.resource,
        // Only asymmetric algorithms: no `none`, no HS*/RS confusion with a public key as an HMAC secret.
        algorithms: own ? ['EdDSA'] : ['EdDSA', 'ES256', 'RS256', 'PS256'],
        requiredClaims: ['exp', 'sub', 'jti'],
        clockTolerance: 5,
      };
      payload = own
        ? (await jwtVerify(token, (header: JWTHeaderParameters) => this.ownKey(header), options)).payload
        : (await jwtVerify(token, external!.jwks, options)).payload;
    } catch (err) {
      if (err instanceof GrantError) throw err;
      throw new GrantError(describeJoseError(err));
    }
    const base = GrantPayloadSchema.safeParse(payload);
    const agent = base.success ? (base.data.azp ?? base.data.client_id) : undefined;
    const task = TaskClaimSchema.safeParse(payload[own ? TASK_CLAIM : external!.scopeClaim]);
    if (!base.success || !agent || !task.success) {
      throw new GrantError('token is missing the task grant claims (sub, azp or client_id, and the task claim)');
    }
    return {
      human: base.data.sub,
      agent,
      taskId: task.data.task_id,
      purpose: task.data.purpose,
      scope: task.data.scope,
      jti: base.data.jti,
      issuer,
      issuedAt: new Date((payload.iat ?? 0) * 1000),
      expiresAt: new Date(base.data.exp * 1000),
    };
  }
}

function peekIssuer(token: string): string {
  const parts = token.split('.');
  if (parts.length !== 3) throw new GrantError('token is not a JWT');
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { iss?: unknown };
    if (typeof payload.iss !== 'string') throw new Error();
    return payload.iss;
  } catch {
    throw new GrantError('token payload is unreadable or has no issuer');
  }
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `token claim "${err.claim}" is invalid (${err.reason})`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (err instanceof joseErrors.JOSEError) return `token rejected (${err.code})`;
  return 'token could not be verified';
}
