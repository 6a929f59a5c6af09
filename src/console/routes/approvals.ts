import { Router } from 'express';
import { z } from 'zod';
import { approve, deny } from '../../admin/approvals.js';
import type { App } from '../../app/app.js';
import { readAuditRecords } from '../../audit/reader.js';
import type { AuditRecord, CallEvent } from '../../audit/record.js';
import { parseTtlSeconds } from '../../config/duration.js';
import { GovernanceError } from '../../governance/governance.js';
import type { CsrfTokens } from '../csrf.js';
import { guard, refuse } from '../guard.js';
import { seesRequest } from '../roles.js';
import { userOf, type ConsoleUser } from '../session.js';
import type { Views } from '../views.js';

const ApproveForm = z.object({ ttl: z.string().trim().min(1, 'say how long, e.g. 2h') });
const DenyForm = z.object({ reason: z.string().trim().min(1, 'say why, for the requester and the record') });

/** The approver's queue: only requests this person may decide; approve and deny go through the admin core. */
export function approvalRoutes(app: App, views: Views, csrf: CsrfTokens): Router {
  const router = Router();
  const queue = async (user: ConsoleUser) => {
    const policy = app.policy();
    const all = await app.governance.listApprovals('pending');
    const tasks = new Map((await app.governance.listTasks()).map((t) => [t.task_id, t]));
    // The governance row is one per task and target however often the agent asks; the audit log counts the asks.
    const asks = (await readAuditRecords(app.config.auditDir, app.store)).filter(
      (c): c is CallEvent & AuditRecord => c.kind === 'call' && c.method === 'request_access',
    );
    const asked = (r: (typeof all)[number]) => asks.filter((c) => c.task_id === r.task_id && c.args[r.target_kind] === r.target_id).length;
    return all
      .filter((r) => seesRequest(policy, user.actor.human, r))
      .map((r) => ({ ...r, purpose: tasks.get(r.task_id)?.purpose ?? '(task not registered)', asked: asked(r) }));
  };

  router.get('/approvals', guard(app, views, csrf, 'signed-in', 'approvals.view'), async (_req, res) => {
    views.page(res, 'approvals', { title: 'Approvals', rows: await queue(userOf(res)!), notice: null });
  });

  router.post('/approvals/:id/:decision', guard(app, views, csrf, 'signed-in', 'approvals.decide'), async (req, res) => {
    const user = userOf(res)!;
    const id = String(req.params.id);
    const decision = req.params.decision;
    const row = await app.governance.getApproval(id);
    if (!row || !seesRequest(app.policy(), user.actor.human, row))
      return refuse(
        app,
        views,
        req,
        res,
        `approval.${String(decision)}`,
        `${user.actor.human} may not decide request ${id} (not an approver for its target, or it is their own)`,
      );
    try {
      if (decision === 'approve') {
        const form = ApproveForm.parse(req.body);
        await approve(app, id, user.actor, parseTtlSeconds(form.ttl));
      } else if (decision === 'deny') {
        await deny(app, id, user.actor, DenyForm.parse(req.body).reason);
      } else return res.status(404).end();
    } catch (err) {
      const message = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (err as Error).message;
      const status = err instanceof GovernanceError ? 409 : 400;
      return views.page(res.status(status), 'approvals', { title: 'Approvals', rows: await queue(user), notice: message });
    }
    res.redirect(303, '/console/approvals');
  });
  return router;
}
