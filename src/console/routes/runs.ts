import { Router } from 'express';
import { z } from 'zod';
import type { App } from '../../app/app.js';
import { buildPacket } from '../../audit/packet.js';
import { readAuditRecords } from '../../audit/reader.js';
import { traceRun } from '../../audit/trace.js';
import { whoRead } from '../../audit/who-read.js';
import type { CsrfTokens } from '../csrf.js';
import { guard } from '../guard.js';
import { listRuns, RunFiltersSchema } from '../run-list.js';
import type { Views } from '../views.js';

/** Runs for auditors: the same readers as `clearance trace`, `packet` and `who-read`, rendered as pages. */
export function runRoutes(app: App, views: Views, csrf: CsrfTokens): Router {
  const router = Router();
  const records = () => readAuditRecords(app.config.auditDir, app.store);

  router.get('/runs', guard(app, views, csrf, 'auditor', 'runs.view'), async (req, res) => {
    const parsed = RunFiltersSchema.safeParse(req.query);
    // The form shows back what was typed; the list is empty when they do not parse.
    const form = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, typeof v === 'string' ? v : '']));
    const runs = parsed.success ? listRuns(await records(), parsed.data) : [];
    const error = parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    views.page(res.status(parsed.success ? 200 : 400), 'runs', { title: 'Runs', runs, form, error });
  });

  router.get('/runs/:id', guard(app, views, csrf, 'auditor', 'runs.trace'), async (req, res) => {
    const trace = traceRun(await records(), String(req.params.id));
    if (!trace) return views.page(res.status(404), 'error', { title: 'No such run', message: `no records for run ${String(req.params.id)}` });
    const events = [...trace.calls, ...trace.protocol, ...trace.governance].sort((a, b) => a.ts.localeCompare(b.ts));
    views.page(res, 'run', { title: `Run ${trace.runId}`, trace, events });
  });

  router.get('/runs/:id/packet', guard(app, views, csrf, 'auditor', 'runs.packet'), async (req, res) => {
    const trace = traceRun(await records(), String(req.params.id));
    if (!trace) return views.page(res.status(404), 'error', { title: 'No such run', message: `no records for run ${String(req.params.id)}` });
    views.page(res, 'packet', { title: `Review packet ${trace.runId}`, runId: trace.runId, fields: buildPacket(trace) });
  });

  router.get('/who-read', guard(app, views, csrf, 'auditor', 'who-read'), async (req, res) => {
    const target = z.string().trim().min(1).safeParse(req.query.target);
    if (!target.success) return views.page(res.status(400), 'error', { title: 'Who read', message: 'target: give a document id or a source id' });
    views.page(res, 'who-read', { title: `Who read ${target.data}`, target: target.data, runs: whoRead(await records(), target.data) });
  });
  return router;
}
