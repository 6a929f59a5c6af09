import path from 'node:path';
import type { App } from '../app/app.js';
import type { Actor } from '../governance/governance.js';
import { PolicyEngine } from '../policy/engine.js';
import { EXPECTATIONS_FILE, runExpectations, type DocumentLabels, type ExpectationResult } from '../policy/expectations.js';
import { parsePolicyTexts, PolicyError, readPolicyFolder, type PolicyTexts } from '../policy/files.js';
import { engineOf, PolicyVersions, type PolicyVersionRow } from '../policy/versions.js';
import { chunkWhere } from '../store/permission-filter.js';
import { auditAdmin } from './record.js';
import { AdminError } from './tasks.js';

/** Document labels from the store, for `… read doc <id>` statements. */
export function storeDocLabels(app: App): DocumentLabels {
  return async (docId) => {
    const [row] = await (
      await app.store.chunks()
    ).rows(chunkWhere.eq('doc_id', docId), { select: ['source', 'data_class', 'acl_source', 'acl_doc'], limit: 1 });
    return row ?? null;
  };
}

/** Runs the policy tests a policy carries (its expectations.yaml), or an explicit file's. */
export async function testPolicy(engine: PolicyEngine, file: string, text: string, docLabels?: DocumentLabels): Promise<ExpectationResult[]> {
  return runExpectations(engine, file, text, docLabels);
}

function failures(results: ExpectationResult[], file: string): string[] {
  return results.filter((r) => !r.ok).map((r) => `${file}:${r.line}: expected "${r.statement}", but ${r.actual}`);
}

/** Validates and tests a policy, then publishes it as the next live version (every server follows within 2 s). */
async function publish(
  app: App,
  texts: PolicyTexts,
  where: string,
  message: string,
  actor: Actor,
  action: string,
): Promise<{ row: PolicyVersionRow; engine: PolicyEngine }> {
  const engine = await PolicyEngine.fromFiles(parsePolicyTexts(where, texts), where);
  const tests = texts[EXPECTATIONS_FILE];
  if (tests !== undefined) {
    const failed = failures(await testPolicy(engine, path.join(where, EXPECTATIONS_FILE), tests, storeDocLabels(app)), path.join(where, EXPECTATIONS_FILE));
    if (failed.length > 0) throw new PolicyError(`the policy's own tests fail, so it was not published:\n  - ${failed.join('\n  - ')}`);
  }
  const versions = await PolicyVersions.open(app.store);
  const row = await versions.publish(texts, engine.version, actor, message);
  await auditAdmin(app, {
    action,
    target: `v${row.seq}`,
    actor,
    detail: { version: row.version, message, diff_lines: row.diff.split('\n').length, warnings: engine.warnings },
  });
  return { row, engine };
}

/** A refused edit never reaches a server; the refusal is in the record, with the reason (file, line, fix). */
export async function applyPolicy(app: App, request: { dir: string; message: string; actor: Actor }): Promise<{ row: PolicyVersionRow; engine: PolicyEngine }> {
  try {
    return await publish(app, await readPolicyFolder(request.dir), request.dir, request.message, request.actor, 'policy.apply');
  } catch (err) {
    await auditAdmin(app, {
      action: 'policy.refused',
      target: request.dir,
      actor: request.actor,
      detail: { message: request.message, error: (err as Error).message.slice(0, 2000) },
    });
    throw err;
  }
}

/** Publishes an earlier version's content again, as the next version. */
export async function rollbackPolicy(app: App, ref: string, actor: Actor): Promise<{ row: PolicyVersionRow; engine: PolicyEngine }> {
  const versions = await PolicyVersions.open(app.store);
  const target = await versions.get(ref);
  if (!target) throw new AdminError(`no published policy version "${ref}" (see \`clearance policy versions\`)`);
  await engineOf(target); // still valid
  return publish(app, PolicyVersions.texts(target), `policy@v${target.seq}`, `rollback to v${target.seq}`, actor, 'policy.rollback');
}
