import type { App } from '../app/app.js';
import { consoleRoles, type ConsoleRoles } from '../console/roles.js';
import type { Actor } from '../governance/governance.js';
import { authenticateApprover } from './approvals.js';
import { osActor } from './record.js';
import { AdminError } from './tasks.js';

/**
 * Who runs an approver or admin command: a person signed in through the organisation's IdP
 * (`CLEARANCE_IDP_TOKEN`, e.g. from `clearance login`), an approver with a minted credential
 * (`CLEARANCE_APPROVER_TOKEN`), or, for admin commands without either, the local OS user.
 */
export const IDP_TOKEN_ENV = 'CLEARANCE_IDP_TOKEN';
export const APPROVER_TOKEN_ENV = 'CLEARANCE_APPROVER_TOKEN';
type Env = Partial<Record<string, string>>;

const ROLE_SOURCE: Record<keyof ConsoleRoles, string> = {
  admin: "the server's human_owner",
  auditor: 'an auditor (auditors) or the human_owner',
  killSwitch: 'the kill_switch_owner or the human_owner',
};

/** The IdP's person as a policy human; the mapping is the issuer's, the same as for agents' tokens. */
export async function signedInHuman(app: App, token: string): Promise<Actor> {
  const actor = await (await app.verifier()).verifyHuman(token);
  if (!app.policy().isHuman(actor.human))
    throw new AdminError(
      `the IdP signed you in as "${actor.human}" (${actor.auth}), who is not in policy/people.csv. Add them there, or map the IdP subject with externalIssuers[].human.map`,
    );
  return actor;
}

/** Who decides an access request; whether they may decide this one is the policy's (approvals.csv), as before. */
export async function signedInApprover(app: App, env: Env): Promise<Actor> {
  const idp = env[IDP_TOKEN_ENV];
  const minted = env[APPROVER_TOKEN_ENV];
  if (idp && minted) throw new AdminError(`both ${IDP_TOKEN_ENV} and ${APPROVER_TOKEN_ENV} are set. Unset the one you do not mean to use`);
  if (idp) return signedInHuman(app, idp);
  if (!minted)
    throw new AdminError(
      `no approver sign-in. Sign in through your IdP (export ${IDP_TOKEN_ENV}="$(clearance login --issuer <name>)"), or set ${APPROVER_TOKEN_ENV} to a credential an admin mints with \`clearance approvals credential --human <you>\``,
    );
  return authenticateApprover(app, minted);
}

/**
 * An admin command's actor. With an IdP token: the signed-in human, who must hold `role` in the
 * live policy (server.yaml, as in the console). Without: the local OS user, as before (whoever can
 * write the store and read the keys), so scripts and CI keep working.
 */
export async function adminActor(app: App, role: keyof ConsoleRoles, env: Env): Promise<Actor> {
  const token = env[IDP_TOKEN_ENV];
  if (!token) return osActor();
  const actor = await signedInHuman(app, token);
  if (!consoleRoles(app.policy(), actor.human)[role])
    throw new AdminError(`${actor.human} may not run this command: it is for ${ROLE_SOURCE[role]} (policy/server.yaml). Ask one of them to run it`);
  return actor;
}
