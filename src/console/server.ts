import type { Server as HttpServer } from 'node:http';
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { localhostHostValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import type { App } from '../app/app.js';
import type { KillSwitchWatcher } from '../governance/watcher.js';
import { CsrfTokens } from './csrf.js';
import { approvalRoutes } from './routes/approvals.js';
import { authRoutes } from './routes/auth.js';
import { oidcRoutes } from './routes/oidc.js';
import { policyRoutes } from './routes/policy.js';
import { runRoutes } from './routes/runs.js';
import { sourceRoutes } from './routes/sources.js';
import { switchRoutes } from './routes/switches.js';
import { sessionMiddleware } from './session.js';
import { Views, VIEWS_DIR } from './views.js';

/** Only this origin's own stylesheet: no script at all, no inline anything, no frames, forms post here only. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy': CONSOLE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
  });
  next();
}

/**
 * The web console for approvers, auditors and kill-switch owners, mounted at /console; every decision is the admin core's.
 * `watcher` is the serving process's kill-switch watcher (absent for `clearance console`, which serves no MCP).
 */
export function consoleRouter(app: App, watcher?: KillSwitchWatcher): Router {
  const views = new Views();
  const csrf = new CsrfTokens();
  const router = Router();
  router.use(securityHeaders);
  router.get('/console.css', (_req, res) => res.type('css').sendFile(path.join(VIEWS_DIR, 'console.css')));
  router.use(express.urlencoded({ extended: false, limit: '64kb' }));
  router.use(sessionMiddleware(app, csrf));
  router.get('/', (_req, res) => res.redirect(303, '/console/approvals'));
  for (const routes of [authRoutes, oidcRoutes, approvalRoutes, runRoutes, switchRoutes, sourceRoutes, policyRoutes])
    router.use(routes(app, views, csrf, watcher));
  // An error page, never a stack trace.
  router.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    views.page(res.status(500), 'error', { title: 'Console error', message: err.message });
  });
  return router;
}

/** `clearance console`: the console alone, on loopback-validated hosts, without serving MCP. */
export async function serveConsole(app: App, host: string, port: number): Promise<HttpServer> {
  const http = express();
  http.disable('x-powered-by');
  http.use(localhostHostValidation());
  http.use('/console', consoleRouter(app));
  return new Promise((resolve, reject) => {
    const server = http.listen(port, host, () => resolve(server));
    server.once('error', reject);
  });
}
