import { Router } from 'express';
import type { App } from '../../app/app.js';
import { buildCard } from '../../governance/card.js';
import { describeFreshness, sourceIsStale } from '../../retrieval/freshness.js';
import type { CsrfTokens } from '../csrf.js';
import { guard } from '../guard.js';
import type { Views } from '../views.js';

/** Sources, the live policy version and the server review card, for anyone signed in (the policy page is the auditors'). */
export function sourceRoutes(app: App, views: Views, csrf: CsrfTokens): Router {
  const router = Router();
  router.get('/sources', guard(app, views, csrf, 'signed-in', 'sources.view'), async (_req, res) => {
    const policy = app.policy();
    const sources = [...(await app.sources.all()).values()].sort((a, b) => a.source.localeCompare(b.source));
    views.page(res, 'sources', {
      title: 'Sources and server card',
      sources: sources.map((s) => ({ ...s, stale: sourceIsStale(s), freshness: describeFreshness(s) })),
      policyVersion: policy.version,
      liveSeq: app.livePolicy.liveSeq,
      card: buildCard(app.config, policy, sources),
    });
  });
  return router;
}
