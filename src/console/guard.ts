import type { NextFunction, Request, Response } from 'express';
import type { App } from '../app/app.js';
import { auditAdmin } from '../admin/record.js';
import type { CsrfTokens } from './csrf.js';
import type { ConsoleRoles } from './roles.js';
import { readCookie, SESSION_COOKIE, userOf } from './session.js';
import type { Views } from './views.js';

export type Need = keyof ConsoleRoles | 'signed-in';

/** A refusal is a 403 page and an audit record naming who tried what (or `anonymous`). */
export async function refuse(app: App, views: Views, req: Request, res: Response, action: string, why: string): Promise<void> {
  const user = userOf(res);
  await auditAdmin(app, {
    action: 'console.refused',
    target: action,
    actor: user?.actor ?? { human: 'anonymous', auth: 'none' },
    detail: { method: req.method, path: req.originalUrl.slice(0, 300), why },
  });
  views.page(res.status(403), 'error', { title: 'Not allowed', message: why });
}

/**
 * Gate for a page or action: signed in, holding the role, and for a POST a CSRF token bound to
 * this session. Pages send the anonymous to sign in; actions answer 403.
 */
export function guard(app: App, views: Views, csrf: CsrfTokens, need: Need, action: string) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const user = userOf(res);
    const post = req.method === 'POST';
    if (!user) {
      if (!post) return res.redirect(303, '/console/login');
      return refuse(app, views, req, res, action, 'sign in first');
    }
    if (need !== 'signed-in' && !user.roles[need])
      return refuse(app, views, req, res, action, `${user.actor.human} does not hold the ${need} role (policy/server.yaml)`);
    if (post && !csrf.check(readCookie(req, SESSION_COOKIE) ?? '', (req.body as Record<string, unknown> | undefined)?._csrf))
      return refuse(app, views, req, res, action, 'missing or stale form token: reload the page and try again');
    next();
  };
}
