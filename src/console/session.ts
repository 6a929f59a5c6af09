import type { NextFunction, Request, Response } from 'express';
import { authenticateApprover } from '../admin/approvals.js';
import type { App } from '../app/app.js';
import type { Actor } from '../governance/governance.js';
import { CONSOLE_AUDIENCE } from '../identity/approver.js';
import type { CsrfTokens } from './csrf.js';
import { consoleRoles, type ConsoleRoles } from './roles.js';

export const SESSION_COOKIE = 'clearance_console';
export const LOGIN_COOKIE = 'clearance_console_login';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The signed-in person, re-verified from the credential on every request (no session table to trust or lose). */
export interface ConsoleUser {
  actor: Actor;
  roles: ConsoleRoles;
  csrf: string;
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** HttpOnly and SameSite=Strict always; Secure except on loopback, where plain HTTP is the norm. */
export function cookieOptions(req: Request, maxAgeMs?: number) {
  return { httpOnly: true, sameSite: 'strict' as const, secure: !LOOPBACK.has(req.hostname), path: '/console', ...(maxAgeMs ? { maxAge: maxAgeMs } : {}) };
}

/** Sets `res.locals.user` when the session cookie holds a valid console credential of a human the policy knows. */
export function sessionMiddleware(app: App, csrf: CsrfTokens) {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.locals.user = null;
    const credential = readCookie(req, SESSION_COOKIE);
    if (credential) {
      try {
        const actor = await authenticateApprover(app, credential, CONSOLE_AUDIENCE);
        const policy = app.policy();
        if (policy.isHuman(actor.human))
          res.locals.user = { actor, roles: consoleRoles(policy, actor.human), csrf: csrf.tokenFor(credential) } satisfies ConsoleUser;
      } catch {
        res.clearCookie(SESSION_COOKIE, cookieOptions(req));
      }
    }
    next();
  };
}

export function userOf(res: Response): ConsoleUser | null {
  return (res.locals.user as ConsoleUser | null) ?? null;
}
