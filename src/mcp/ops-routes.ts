import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response } from 'express';

/** What the operator endpoints read; the composition root (src/app/server.ts) provides it. */
export interface OpsEndpoints {
  readiness(): Promise<{ ready: boolean; checks: { name: string; ok: boolean; detail: string }[] }>;
  metrics: { text(): Promise<string>; contentType: string };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Constant-time comparison of the presented bearer with the metrics token. */
function bearerMatches(req: Request, token: string): boolean {
  const presented = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

/**
 * `/healthz` (liveness: the process answers) and `/readyz` (every check a call depends on; 503
 * when one fails). Unauthenticated, so probes need no credentials: they reveal check names and
 * failures, never data. Mounted before host validation, since probes address the pod by IP.
 */
export function healthRoutes(ops: OpsEndpoints): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    const readiness = await ops.readiness();
    res.status(readiness.ready ? 200 : 503).json({ status: readiness.ready ? 'ready' : 'not_ready', checks: readiness.checks });
  });
  return router;
}

/** `/metrics` in the Prometheus text format; with a token, only for a request bearing it. */
export function metricsRoute(ops: OpsEndpoints, token: string | undefined): express.Router {
  const router = express.Router();
  router.get('/metrics', async (req: Request, res: Response) => {
    if (token !== undefined && !bearerMatches(req, token)) {
      res
        .status(401)
        .setHeader('www-authenticate', 'Bearer realm="clearance-metrics"')
        .json({ error: 'the metrics endpoint needs its bearer token (metricsToken)' });
      return;
    }
    res.setHeader('content-type', ops.metrics.contentType).send(await ops.metrics.text());
  });
  return router;
}
