import { Router } from 'express';
import type { App } from '../../app/app.js';
import { buildCard } from '../../governance/card.js';
import { PolicyVersions } from '../../policy/versions.js';
import { describeFreshness, sourceIsStale } from '../../retrieval/freshness.js';
import type { CsrfTokens } from '../csrf.js';
import { guard } from '../guard.js';
import type { Views } from '../views.js';

/** Sources, the live policy version with its history, and the server review card, for anyone signed in. */
export function sourceRoutes(app: App, views: Views, csrf: CsrfTokens): Router {
  const router = Router();
  router.get('/sources', guard(app, views, csrf, 'signed-in', 'sources.view'), async (_req, res) => {
    const policy = app.policy();
    const sources = [...(await app.sources.all()).values()].sort((a, b) => a.source.localeCompare(b.source));
    const history = await (await PolicyVersions.open(app.store)).list();
    views.page(res, 'sources', {
      title: 'Sources and policy',
      sources: sources.map((s) => ({ ...s, stale: sourceIsStale(s), freshness: describeFreshness(s) })),
      policyVersion: policy.version,
      liveSeq: app.livePolicy.liveSeq,
      history: [...history].reverse(),
      card: buildCard(app.config, policy, sources),
    });
  });
  return router;
}
