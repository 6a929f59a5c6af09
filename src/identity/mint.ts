import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Config } from '../config/config.js';
import { TASK_CLAIM, type TaskGrant } from './grant.js';
import type { TaskScope } from './identity.js';
import type { SigningKey } from './keys.js';

export async function mintGrant(
  key: SigningKey,
  config: Pick<Config, 'issuer' | 'resource'>,
  grant: { human: string; agent: string; purpose: string; scope: TaskScope; ttlSeconds: number; taskId?: string },
): Promise<{ token: string; grant: TaskGrant }> {
  const taskId = grant.taskId ?? `task_${randomUUID().slice(0, 8)}`;
  const jti = randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    azp: grant.agent,
    [TASK_CLAIM]: { task_id: taskId, purpose: grant.purpose, scope: grant.scope },
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
    .setIssuer(config.issuer)
    .setAudience(config.resource)
    .setSubject(grant.human)
    .setJti(jti)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + grant.ttlSeconds)
    .sign(key.privateKey);
  return {
    token,
    grant: {
      human: grant.human,
      agent: grant.agent,
      taskId,
      purpose: grant.purpose,
      scope: grant.scope,
      jti,
      issuer: config.issuer,
      issuedAt: new Date(now * 1000),
      expiresAt: new Date((now + grant.ttlSeconds) * 1000),
    },
  };
}
