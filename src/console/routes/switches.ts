import { Router } from 'express';
import { z } from 'zod';
import { kill, revive } from '../../admin/switches.js';
import type { App } from '../../app/app.js';
import { STALE_AFTER_MS } from '../../config/freshness.js';
import type { KillSwitchWatcher } from '../../governance/watcher.js';
import type { CsrfTokens } from '../csrf.js';
import { guard } from '../guard.js';
import { userOf } from '../session.js';
import type { Views } from '../views.js';

const KillForm = z
  .object({
    scope: z.enum(['all', 'agent', 'human', 'task', 'run']),
    value: z.string().trim().default(''),
    reason: z.string().trim().min(1, 'say why: the record must say why'),
  })
  .refine((f) => f.scope === 'all' || f.value.length > 0, { path: ['value'], message: 'name the agent, human, task or run to stop' });
const ReviveForm = z.object({ id: z.string().trim().min(1, 'which switch'), reason: z.string().trim().default('') });

/** What the serving process's watcher holds now: calls are decided from it only while it is fresh. */
function watcherState(app: App, watcher: KillSwitchWatcher) {
  const { lastReadAt, activeSwitches, revokedTasks, lastError } = watcher.state;
  const ageMs = lastReadAt ? Date.now() - lastReadAt : null;
  return {
    replica: app.config.replicaId,
    lastPoll: lastReadAt ? new Date(lastReadAt).toISOString() : 'never',
    ageMs,
    fresh: ageMs !== null && ageMs <= STALE_AFTER_MS,
    staleAfterMs: STALE_AFTER_MS,
    activeSwitches,
    revokedTasks,
    lastError,
  };
}

/** Kill switches: status for whoever may pull them; kill and revive through the admin core. */
export function switchRoutes(app: App, views: Views, csrf: CsrfTokens, watcher?: KillSwitchWatcher): Router {
  const router = Router();
  const show = async (res: Parameters<Views['page']>[0], notice: string | null) =>
    views.page(res, 'kill', {
      title: 'Kill switch',
      switches: await app.governance.activeSwitches(),
      tasks: (await app.governance.listTasks()).filter((t) => !t.revoked_at && Date.parse(t.expires_at) > Date.now()),
      watcher: watcher ? watcherState(app, watcher) : null,
      notice,
    });
  const fail = (err: unknown) => (err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (err as Error).message);

  router.get('/kill', guard(app, views, csrf, 'killSwitch', 'kill.view'), async (_req, res) => show(res, null));
  router.post('/kill', guard(app, views, csrf, 'killSwitch', 'kill'), async (req, res) => {
    try {
      const form = KillForm.parse(req.body);
      await kill(app, { scope: form.scope, value: form.value }, form.reason, userOf(res)!.actor);
    } catch (err) {
      return show(res.status(400), fail(err));
    }
    res.redirect(303, '/console/kill');
  });
  router.post('/revive', guard(app, views, csrf, 'killSwitch', 'revive'), async (req, res) => {
    try {
      const form = ReviveForm.parse(req.body);
      await revive(app, { id: form.id }, userOf(res)!.actor, form.reason || null);
    } catch (err) {
      return show(res.status(400), fail(err));
    }
    res.redirect(303, '/console/kill');
  });
  return router;
}
