import { Router } from 'express';
import { z } from 'zod';
import type { App } from '../../app/app.js';
import { buildPacket } from '../../audit/packet.js';
import { readAuditRecords } from '../../audit/reader.js';
import type { AuditRecord, CallEvent, RunEvent } from '../../audit/record.js';
import { traceRun } from '../../audit/trace.js';
import { whoRead } from '../../audit/who-read.js';
import type { CsrfTokens } from '../csrf.js';
import { guard } from '../guard.js';
import type { Views } from '../views.js';

const RunFilters = z.object({
  human: z.string().trim().optional(),
  agent: z.string().trim().optional(),
  task: z.string().trim().optional(),
  decision: z.enum(['', 'allowed', 'denied', 'error', 'killed']).optional(),
});

const listed = (v: string | undefined) => (v ? v : undefined);

/** Runs for auditors: the same readers as `clearance trace`, `packet` and `who-read`, rendered as pages. */
export function runRoutes(app: App, views: Views, csrf: CsrfTokens): Router {
  const router = Router();
  const records = () => readAuditRecords(app.config.auditDir, app.store);

  router.get('/runs', guard(app, views, csrf, 'auditor', 'runs.view'), async (req, res) => {
    const parsed = RunFilters.safeParse(req.query);
    const filters = parsed.success ? parsed.data : {};
    const all = await records();
    const starts = all.filter((r): r is RunEvent & AuditRecord => r.kind === 'run.start');
    const calls = all.filter((r): r is CallEvent & AuditRecord => r.kind === 'call');
    const runs = starts
      .filter((s) => !listed(filters.human) || s.human === filters.human)
      .filter((s) => !listed(filters.agent) || s.agent === filters.agent)
      .filter((s) => !listed(filters.task) || s.task_id === filters.task)
      .map((s) => {
        const mine = calls.filter((c) => c.run_id === s.run_id);
        return { ...s, calls: mine.length, decisions: [...new Set(mine.map((c) => c.decision))], pressure: mine.filter((c) => c.boundary_pressure).length };
      })
      .filter((r) => !listed(filters.decision) || r.decisions.includes(filters.decision as CallEvent['decision']))
      .reverse();
    views.page(res, 'runs', { title: 'Runs', runs, filters, error: parsed.success ? null : parsed.error.issues[0]?.message });
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
