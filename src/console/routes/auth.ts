import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { authenticateApprover } from '../../admin/approvals.js';
import { auditAdmin } from '../../admin/record.js';
import type { App } from '../../app/app.js';
import { CONSOLE_AUDIENCE } from '../../identity/approver.js';
import type { CsrfTokens } from '../csrf.js';
import { guard } from '../guard.js';
import { consoleIssuers } from '../oidc.js';
import { cookieOptions, LOGIN_COOKIE, readCookie, SESSION_COOKIE } from '../session.js';
import type { Views } from '../views.js';

const SignInForm = z.object({ credential: z.string().trim().min(1, 'paste your console credential'), _csrf: z.string() });

/** The sign-in page: a button per identity provider the console may use, and the credential form bound to a fresh pre-session cookie. */
export function renderLogin(app: App, views: Views, csrf: CsrfTokens, req: Request, res: Response, error: string | null): void {
  const pre = randomBytes(16).toString('base64url');
  res.cookie(LOGIN_COOKIE, pre, cookieOptions(req, 10 * 60_000));
  const providers = consoleIssuers(app.config.externalIssuers).map((i, n) => ({ n, label: i.console.label ?? i.issuer }));
  views.page(res, 'login', { title: 'Sign in', loginCsrf: csrf.tokenFor(pre), providers, error });
}

/** Sign-in with a console credential (`clearance console credential --human <you>`); the cookie then carries it, HttpOnly. */
export function authRoutes(app: App, views: Views, csrf: CsrfTokens): Router {
  const router = Router();
  router.get('/login', (req, res) => renderLogin(app, views, csrf, req, res, null));
  router.post('/login', async (req, res) => {
    const form = SignInForm.safeParse(req.body);
    const retry = (status: number, error: string) => renderLogin(app, views, csrf, req, res.status(status), error);
    if (!form.success) return retry(400, `credential: ${form.error.issues[0]?.message ?? 'missing'}`);
    if (!csrf.check(readCookie(req, LOGIN_COOKIE) ?? '', form.data._csrf)) return retry(403, 'the sign-in form expired: try again');
    try {
      const actor = await authenticateApprover(app, form.data.credential, CONSOLE_AUDIENCE);
      if (!app.policy().isHuman(actor.human)) throw new Error(`${actor.human} is not a known human (policy/people.csv)`);
      const exp = decodeJwt(form.data.credential).exp ?? 0;
      res.cookie(SESSION_COOKIE, form.data.credential, cookieOptions(req, Math.max(0, exp * 1000 - Date.now())));
      res.clearCookie(LOGIN_COOKIE, cookieOptions(req));
      await auditAdmin(app, { action: 'console.signin', target: actor.human, actor, detail: {} });
      res.redirect(303, '/console/approvals');
    } catch (err) {
      await auditAdmin(app, {
        action: 'console.signin.refused',
        target: 'console',
        actor: { human: 'anonymous', auth: 'none' },
        detail: { error: (err as Error).message },
      });
      retry(401, (err as Error).message);
    }
  });
  router.post('/logout', guard(app, views, csrf, 'signed-in', 'signout'), (req, res) => {
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.redirect(303, '/console/login');
  });
  return router;
}
