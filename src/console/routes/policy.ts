import { Router } from 'express';
import { z } from 'zod';
import { explainDocument } from '../../admin/explain.js';
import type { App } from '../../app/app.js';
import { NO_WITNESS_WARNING, verifyAudit } from '../../audit/verify.js';
import { PolicyVersions } from '../../policy/versions.js';
import type { CsrfTokens } from '../csrf.js';
import { guard } from '../guard.js';
import type { Views } from '../views.js';

const Field = z
  .string()
  .trim()
  .max(300)
  .transform((v) => v || undefined);
/** The page's two read-only forms (GET): a diff between versions, and `policy explain`. Both, either or neither filled in. */
const PolicyQuery = z.object({ from: Field.optional(), to: Field.optional(), human: Field.optional(), agent: Field.optional(), doc: Field.optional() });

/** The live policy for auditors: version, history, a diff between versions, `policy explain`, and `audit verify` per replica. */
export function policyRoutes(app: App, views: Views, csrf: CsrfTokens): Router {
  const router = Router();
  router.get('/policy', guard(app, views, csrf, 'auditor', 'policy.view'), async (req, res) => {
    const parsed = PolicyQuery.safeParse(req.query);
    const q = parsed.success ? parsed.data : {};
    const notices: string[] = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    const versions = await PolicyVersions.open(app.store);
    const history = [...(await versions.list())].reverse();

    let diff: { from: string; to: string; text: string } | null = null;
    if (q.from || q.to) {
      if (!q.from || !q.to) notices.push('diff: pick both versions (from and to)');
      else
        diff = await versions.diff(q.from, q.to).then(
          ({ diff: text }) => ({ from: q.from!, to: q.to!, text: text || 'no difference' }),
          (err: Error) => (notices.push(`diff: ${err.message}`), null),
        );
    }
    let explanation = null;
    if (q.human || q.agent || q.doc) {
      if (!q.human || !q.agent || !q.doc) notices.push('explain: give the human, the agent workflow and the document id');
      else
        explanation = await explainDocument(app, { human: q.human, agent: q.agent, docId: q.doc }).catch(
          (err: Error) => (notices.push(`explain: ${err.message}`), null),
        );
    }
    const witness = app.config.auditWitnessDir ? { dir: app.config.auditWitnessDir } : undefined;
    views.page(res.status(notices.length ? 400 : 200), 'policy', {
      title: 'Policy',
      policyVersion: app.policy().version,
      liveSeq: app.livePolicy.liveSeq,
      history,
      form: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, typeof v === 'string' ? v : ''])),
      diff,
      explanation,
      replicas: await verifyAudit(app.config.auditDir, app.store, witness),
      witnessWarning: witness ? null : NO_WITNESS_WARNING,
      notices,
    });
  });
  return router;
}
