import {
  createRemoteJWKSet,
  errors as joseErrors,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import { IdSchema } from '../labels/ids.js';
import type { ExternalIssuer } from '../config/identity-providers.js';
import { mapAgent, mapGroups, mapHuman, tokenId, tokenScopes } from './claims.js';
import { GrantError, GrantRefused, TASK_CLAIM, TaskClaimSchema, type TaskGrant } from './grant.js';
import type { AuthenticatedHuman } from './approver.js';
import type { SigningKey } from './keys.js';
import { parseSubject } from './subject.js';

/**
 * Own grants: human = `sub`, agent = `azp` (or `client_id`), task = the `clearance` claim, all bare
 * policy ids. External issuers map their claims per issuer (claims.ts).
 */
const OwnPayloadSchema = z.object({
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
  private readonly remote = new Map<string, { jwks: ReturnType<typeof createRemoteJWKSet>; settings: ExternalIssuer }>();
  private readonly ownKeys = new Map<string, CryptoKey>();
  private refreshedAt = 0;
  private readonly localKid: string;

  constructor(
    key: SigningKey,
    private readonly config: Pick<Config, 'issuer' | 'resource' | 'audience' | 'externalIssuers'>,
    private readonly publishedKeys: () => Promise<JWK[]> = async () => [],
  ) {
    this.localKid = key.kid;
    this.ownKeys.set(key.kid, key.publicKey);
    for (const issuer of config.externalIssuers) {
      this.remote.set(issuer.issuer, { jwks: createRemoteJWKSet(new URL(issuer.jwksUri)), settings: issuer });
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
    if (issuer === this.config.issuer) return this.verifyOwn(token, issuer);
    if (!external) throw new GrantError('token issuer is not trusted by this server');
    const { settings } = external;
    const payload = await verified(() => jwtVerify(token, external.jwks, externalChecks(issuer, this.resourceAudience(settings))));
    return externalGrant(token, payload, issuer, settings);
  }

  private resourceAudience(settings: ExternalIssuer): string {
    return settings.audience ?? this.config.audience ?? this.config.resource;
  }

  /**
   * An approver's or admin's IdP access token: the issuer's admin audience (never the MCP
   * resource's, so an agent holding its human's token cannot approve or kill), the human by the
   * same claim mapping as agents' tokens. Recorded as `idp:<issuer>#<sub>`.
   */
  async verifyHuman(token: string): Promise<AuthenticatedHuman> {
    const issuer = peekIssuer(token);
    const external = this.remote.get(issuer);
    const configured = this.config.externalIssuers.map((i) => i.name ?? i.issuer).join(', ') || 'none';
    if (issuer === this.config.issuer)
      throw new GrantError('this is a Clearance-minted credential, not an IdP token. Set it as CLEARANCE_APPROVER_TOKEN instead of CLEARANCE_IDP_TOKEN');
    if (!external)
      throw new GrantError(`the IdP token's issuer "${issuer}" is unknown. Use a token from a configured issuer (${configured}), or add it to externalIssuers`);
    const { settings } = external;
    const login = `clearance login --issuer ${settings.name ?? settings.issuer}`;
    if (!settings.admin)
      throw new GrantError(`issuer "${issuer}" is not set up for approvers and admins. Set externalIssuers[].admin.audience for it in the config file`);
    if (settings.admin.audience === this.resourceAudience(settings))
      throw new GrantError(`issuer "${issuer}": admin.audience equals the MCP resource's audience. Give approvers and admins their own audience at the IdP`);
    const audience = settings.admin.audience;
    const payload = await verified(() => jwtVerify(token, external.jwks, externalChecks(issuer, audience)), {
      expired: `your IdP token has expired. Sign in again: ${login}`,
      audience: `the IdP token is not for Clearance's approver and admin audience "${audience}". Get one with \`${login}\``,
    });
    const subject = parseSubject(payload.sub);
    if (subject === null) throw new GrantError(`the IdP token has no usable "sub" claim. Check the issuer's token settings`);
    return { human: mapHuman(payload, settings.human), auth: `idp:${issuer}#${subject}` };
  }

  private async verifyOwn(token: string, issuer: string): Promise<TaskGrant> {
    const payload = await verified(() =>
      jwtVerify(token, (header: JWTHeaderParameters) => this.ownKey(header), {
        issuer,
        audience: this.config.resource,
        algorithms: ['EdDSA'],
        requiredClaims: ['exp', 'sub', 'jti'],
        clockTolerance: 5,
      }),
    );
    const base = OwnPayloadSchema.safeParse(payload);
    const agent = base.success ? (base.data.azp ?? base.data.client_id) : undefined;
    const task = TaskClaimSchema.safeParse(payload[TASK_CLAIM]);
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

/** What every external token must pass; only the audience differs between agents' and admins' tokens. */
function externalChecks(issuer: string, audience: string): JWTVerifyOptions {
  return {
    issuer,
    audience,
    // Only asymmetric algorithms: no `none`, no HS*/RS confusion with a public key as an HMAC secret.
    algorithms: ['EdDSA', 'ES256', 'ES384', 'RS256', 'RS384', 'RS512', 'PS256'],
    requiredClaims: ['exp'],
    clockTolerance: 5,
  };
}

/** `messages` replace the generic text for the refusals a person can fix themselves. */
async function verified(check: () => Promise<{ payload: JWTPayload }>, messages: { expired?: string; audience?: string } = {}): Promise<JWTPayload> {
  try {
    return (await check()).payload;
  } catch (err) {
    if (err instanceof GrantError) throw err;
    if (messages.expired && err instanceof joseErrors.JWTExpired) throw new GrantError(messages.expired);
    if (messages.audience && err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud') throw new GrantError(messages.audience);
    throw new GrantError(describeJoseError(err));
  }
}

/**
 * A verified IdP token as a grant. With the issuer's task claim, the task is as minted; without it,
 * the MCP session becomes the task (`sessionTask`, scope = the agent workflow). What does not map is
 * refused (403): a scope the token lacks, a human or client the mapping cannot name.
 */
function externalGrant(token: string, payload: JWTPayload, issuer: string, settings: ExternalIssuer): TaskGrant {
  const scopes = tokenScopes(payload);
  const missing = settings.requiredScopes.filter((s) => !scopes.includes(s));
  if (missing.length > 0) throw new GrantRefused(`the token lacks the scope ${missing.join(' ')}`, missing);
  const human = mapHuman(payload, settings.human);
  const { agent, client } = mapAgent(payload, settings.agent);
  const claim = payload[settings.scopeClaim];
  const task = claim === undefined ? null : TaskClaimSchema.safeParse(claim);
  if (task && !task.success) throw new GrantRefused(`the token's "${settings.scopeClaim}" task claim is malformed`);
  return {
    human,
    agent,
    client,
    taskId: task?.data?.task_id ?? 'session',
    purpose: task?.data?.purpose ?? settings.defaultPurpose,
    scope: task?.data?.scope ?? {},
    sessionTask: task === null,
    ...(settings.groups ? { groups: mapGroups(payload, settings.groups) } : {}),
    scopes,
    jti: tokenId(payload, token),
    issuer,
    issuedAt: new Date((payload.iat ?? 0) * 1000),
    expiresAt: new Date((payload.exp ?? 0) * 1000),
  };
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
  if (err instanceof joseErrors.JWKSTimeout) return "the issuer's keys (jwksUri) could not be fetched in time";
  if (err instanceof joseErrors.JOSEError) return `token rejected (${err.code})`;
  return 'token could not be verified';
}
