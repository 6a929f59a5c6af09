import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT, type JWK } from 'jose';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import type { SigningKey } from './keys.js';

/** Approvers are authenticated, not named by a flag: a short-lived JWT signed with the admin key. */
export const APPROVER_AUDIENCE = 'clearance-approver';
/** The web console's sign-in credential: the same kind of JWT, for a different audience (one never opens the other). */
export const CONSOLE_AUDIENCE = 'clearance-console';
export type HumanCredentialAudience = typeof APPROVER_AUDIENCE | typeof CONSOLE_AUDIENCE;

/** The identity-provider sign-in a console credential stands for, carried so every action records issuer and subject. */
export const SignedInViaSchema = z.object({ iss: z.string().min(1), sub: z.string().min(1) }).strict();
export type SignedInVia = z.infer<typeof SignedInViaSchema>;

export interface AuthenticatedHuman {
  human: string;
  /** How they authenticated, for the record: e.g. `approver-credential:<jti>`. */
  auth: string;
}

export async function mintApproverCredential(
  key: SigningKey,
  config: Pick<Config, 'issuer'>,
  human: string,
  ttlSeconds: number,
  audience: HumanCredentialAudience = APPROVER_AUDIENCE,
  via?: SignedInVia,
): Promise<{ token: string; jti: string }> {
  const jti = randomUUID();
  const token = await new SignJWT(via ? { via } : {})
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
    .setIssuer(config.issuer)
    .setAudience(audience)
    .setSubject(human)
    .setJti(jti)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key.privateKey);
  return { token, jti };
}

/** Verifies an approver credential against this machine's key and the keys published in the store. */
export async function verifyApproverCredential(
  credential: string | undefined,
  config: Pick<Config, 'issuer'>,
  keys: JWK[],
  audience: HumanCredentialAudience = APPROVER_AUDIENCE,
): Promise<AuthenticatedHuman> {
  if (!credential)
    throw new Error('set CLEARANCE_APPROVER_TOKEN to your approver credential (an admin mints it with `clearance approvals credential --human <you>`)');
  try {
    const { payload } = await jwtVerify(credential, createLocalJWKSet({ keys }), { audience, issuer: config.issuer, algorithms: ['EdDSA'] });
    if (typeof payload.sub !== 'string') throw new Error('no subject');
    const via = SignedInViaSchema.safeParse(payload.via);
    if (via.success) return { human: payload.sub, auth: `oidc:${via.data.iss}#${via.data.sub}` };
    const kind = audience === APPROVER_AUDIENCE ? 'approver-credential' : 'console-credential';
    return { human: payload.sub, auth: `${kind}:${String(payload.jti ?? '')}` };
  } catch (err) {
    throw new Error(`${audience === APPROVER_AUDIENCE ? 'approver' : 'console'} credential rejected: ${(err as Error).message}`);
  }
}
