import { Router, type Request, type Response } from 'express';
import { issueApproverCredential } from '../../admin/approvals.js';
import { auditAdmin } from '../../admin/record.js';
import type { App } from '../../app/app.js';
import { CONSOLE_AUDIENCE } from '../../identity/approver.js';
import { mapHuman } from '../../identity/claims.js';
import type { CsrfTokens } from '../csrf.js';
import { consoleIssuers, finishSignIn, openTransaction, sealTransaction, startSignIn } from '../oidc.js';
import { cookieOptions, readCookie, SESSION_COOKIE } from '../session.js';
import type { Views } from '../views.js';
import { renderLogin } from './auth.js';

const OIDC_COOKIE = 'clearance_console_oidc';
/** A console session signed in through the IdP lasts a working day; then the person signs in again. */
const SESSION_SECONDS = 8 * 3600;

/**
 * Sign-in through a configured identity provider. The transaction cookie is `SameSite=Lax`: the
 * IdP's redirect back is a cross-site top-level GET, which a Strict cookie would not survive.
 */
export function oidcRoutes(app: App, views: Views, csrf: CsrfTokens): Router {
  const router = Router();
  const transactionCookie = (req: Request, maxAgeMs?: number) => ({ ...cookieOptions(req, maxAgeMs), sameSite: 'lax' as const });

  const refused = async (req: Request, res: Response, issuer: string, err: unknown) => {
    // openid-client wraps the precise check that failed (state, nonce, PKCE, ID token) in `cause`.
    const cause = (err as Error).cause;
    const error = [(err as Error).message, cause instanceof Error ? cause.message : null].filter(Boolean).join(': ');
    await auditAdmin(app, { action: 'console.signin.refused', target: 'console', actor: { human: 'anonymous', auth: 'none' }, detail: { issuer, error } });
    res.clearCookie(OIDC_COOKIE, transactionCookie(req));
    renderLogin(app, views, csrf, req, res.status(401), `sign-in through ${issuer} failed: ${error}`);
  };

  router.get('/login/oidc/callback', async (req, res) => {
    let issuer = '(unknown issuer)';
    try {
      const transaction = openTransaction(csrf, readCookie(req, OIDC_COOKIE));
      issuer = transaction.issuer;
      const entry = consoleIssuers(app.config.externalIssuers).find((i) => i.issuer === transaction.issuer);
      if (!entry) throw new Error(`${transaction.issuer} is no longer a console identity provider (config externalIssuers[].console)`);
      const claims = await finishSignIn(entry, new URL(req.originalUrl, 'http://callback').search, transaction);
      // The same claim mapping as the agents' tokens from this issuer, so a person is one policy human everywhere.
      const human = mapHuman(claims, entry.human);
      if (!app.policy().isHuman(human)) throw new Error(`${human} is not a known human (policy/people.csv)`);
      const via = { iss: claims.iss, sub: claims.sub };
      const actor = { human, auth: `oidc:${via.iss}#${via.sub}` };
      const credential = await issueApproverCredential(app, human, SESSION_SECONDS, actor, CONSOLE_AUDIENCE, via);
      res.clearCookie(OIDC_COOKIE, transactionCookie(req));
      res.cookie(SESSION_COOKIE, credential, cookieOptions(req, SESSION_SECONDS * 1000));
      await auditAdmin(app, { action: 'console.signin', target: human, actor, detail: { issuer: via.iss, subject: via.sub } });
      // A same-site hop (not a redirect in the IdP's chain), so the Strict session cookie is sent on the next page.
      views.page(res, 'signed-in', { title: 'Signed in', human });
    } catch (err) {
      await refused(req, res, issuer, err);
    }
  });

  router.get('/login/oidc/:n', async (req, res) => {
    const entry = consoleIssuers(app.config.externalIssuers)[Number(req.params.n)];
    if (!entry) return renderLogin(app, views, csrf, req, res.status(404), 'no such identity provider: pick one below');
    try {
      const { url, transaction } = await startSignIn(entry);
      res.cookie(OIDC_COOKIE, sealTransaction(csrf, transaction), transactionCookie(req, 10 * 60_000));
      res.redirect(303, url.href);
    } catch (err) {
      await refused(req, res, entry.issuer, err);
    }
  });
  return router;
}
