import type { App } from '../app/app.js';
import type { Actor } from '../governance/governance.js';
import type { ApprovalRow } from '../governance/tables.js';
import { APPROVER_AUDIENCE, mintApproverCredential, verifyApproverCredential, type HumanCredentialAudience, type SignedInVia } from '../identity/approver.js';
import { publishedVerificationKeys, publishVerificationKey } from '../identity/key-registry.js';
import { AdminError } from './tasks.js';
import { auditAdmin } from './record.js';

/** Verifies an approver (or console) credential against this machine's key and every key published in the store. */
export async function authenticateApprover(app: App, credential: string | undefined, audience: HumanCredentialAudience = APPROVER_AUDIENCE): Promise<Actor> {
  const key = await app.signingKey();
  const published = (await publishedVerificationKeys(app.store)).filter((k) => k.kid !== key.kid);
  return verifyApproverCredential(credential, app.config, [key.publicJwk, ...published], audience);
}

/** Approves for the request's task only, for `ttlSeconds`; the policy decides who may approve what, and nobody approves their own request. */
export async function approve(app: App, id: string, approver: Actor, ttlSeconds: number): Promise<ApprovalRow> {
  const policy = app.policy();
  try {
    const row = await app.governance.approve(id, approver, ttlSeconds, (r) => policy.approversFor(r.target_kind, r.target_id).has(approver.human));
    await auditAdmin(app, {
      action: 'approval.approve',
      target: row.task_id,
      actor: approver,
      detail: { request: id, human: row.human, target: `${row.target_kind}:${row.target_id}`, expires_at: row.expires_at },
    });
    return row;
  } catch (err) {
    await auditAdmin(app, { action: 'approval.refused', target: id, actor: approver, detail: { error: (err as Error).message } });
    throw err;
  }
}

export async function deny(app: App, id: string, approver: Actor, reason: string): Promise<ApprovalRow> {
  const row = await app.governance.deny(id, approver, reason);
  await auditAdmin(app, { action: 'approval.deny', target: row.task_id, actor: approver, detail: { request: id, reason } });
  return row;
}

/** An approver (or console) credential for one known human, signed with this machine's key (published so every machine verifies it). */
export async function issueApproverCredential(
  app: App,
  human: string,
  ttlSeconds: number,
  actor: Actor,
  audience: HumanCredentialAudience = APPROVER_AUDIENCE,
  via?: SignedInVia,
): Promise<string> {
  if (!app.policy().isHuman(human)) throw new AdminError(`--human ${human}: not a known human (policy/people.csv)`);
  const key = await app.signingKey();
  await publishVerificationKey(app.store, key);
  const { token, jti } = await mintApproverCredential(key, app.config, human, ttlSeconds, audience, via);
  const action = audience === APPROVER_AUDIENCE ? 'approver.credential' : 'console.credential';
  await auditAdmin(app, { action, target: human, actor, detail: { jti, ttl_seconds: ttlSeconds, ...(via ? { issuer: via.iss, subject: via.sub } : {}) } });
  return token;
}
