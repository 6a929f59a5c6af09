import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { adminActor } from '../../admin/sign-in.js';
import { applyPolicy, rollbackPolicy, storeDocLabels, testPolicy } from '../../admin/policy.js';
import { withApp } from '../../app/app.js';
import { PolicyEngine } from '../../policy/engine.js';
import { EXPECTATIONS_FILE } from '../../policy/expectations.js';
import { engineOf, PolicyVersions, type PolicyVersionRow } from '../../policy/versions.js';
import { configFrom } from '../context.js';
import { printJson } from '../json.js';
import { printTable } from '../output.js';

/** A published version as `--json` prints it: the file texts stay in the store (`policy diff` compares them). */
function printPublished({ texts: _texts, ...row }: PolicyVersionRow, warnings: readonly string[]): void {
  printJson({ ...row, warnings });
}

/** `policy apply | versions | diff | rollback | test`: access changes as published, tested versions. */
export function registerPolicyVersions(policyCmd: Command): void {
  policyCmd
    .command('apply')
    .description('validate and test the policy folder, then publish it as the live version: every server follows within 2 s')
    .option('--dir <dir>', 'the policy folder (default: config policyDir)')
    .option('--message <text>', 'why (recorded with the version)', 'policy change')
    .option('--json', 'print the published version (without the file texts) and its warnings as JSON')
    .action(async (opts: { dir?: string; message: string; json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const { row, engine } = await withApp(config, async (app) =>
        applyPolicy(app, { dir: opts.dir ?? config.policyDir, message: opts.message, actor: await adminActor(app, 'admin', process.env) }),
      );
      if (opts.json) return printPublished(row, engine.warnings);
      for (const warning of engine.warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(
        `published policy v${row.seq} (version ${row.version}) by ${row.applied_by}: ${row.message}\n${row.diff || '(no change in content)\n'}`,
      );
    });
  policyCmd
    .command('versions')
    .description('the published policy versions, oldest first; the last is live')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const rows = await withApp(configFrom(command), async (app) => (await PolicyVersions.open(app.store)).list());
      if (opts.json) return void printJson(rows);
      if (rows.length === 0)
        return void process.stdout.write('no published version: servers use the policy folder (publish one with `clearance policy apply`)\n');
      printTable(
        rows.map((r, i) => ({
          version: `v${r.seq}`,
          hash: r.version,
          applied_by: r.applied_by,
          applied_at: r.applied_at,
          message: r.message,
          live: i === rows.length - 1 ? 'LIVE' : '',
        })),
      );
    });
  policyCmd
    .command('diff <a> <b>')
    .description('what changed between two published versions (v3, 3 or a hash prefix)')
    .option('--json', 'print the two version numbers and the unified diff as JSON')
    .action(async (a: string, b: string, opts: { json?: boolean }, command: Command) => {
      const diff = await withApp(configFrom(command), async (app) => (await PolicyVersions.open(app.store)).diff(a, b));
      if (opts.json) printJson(diff);
      else process.stdout.write(diff.diff || 'no difference\n');
    });
  policyCmd
    .command('rollback <version>')
    .description('publish an earlier version again as the live one')
    .option('--json', 'print the published version (without the file texts) as JSON')
    .action(async (ref: string, opts: { json?: boolean }, command: Command) => {
      const { row, engine } = await withApp(configFrom(command), async (app) => rollbackPolicy(app, ref, await adminActor(app, 'admin', process.env)));
      if (opts.json) return printPublished(row, engine.warnings);
      process.stdout.write(`published policy v${row.seq} (${row.message})\n`);
    });
  policyCmd
    .command('test [file]')
    .description(`run policy tests (default: the folder's ${EXPECTATIONS_FILE}) against the policy folder or a published version`)
    .option('--at <version>', 'test a published version (v3, 3 or a hash prefix) instead of the folder')
    .option('--json', 'JSON output')
    .action(async (file: string | undefined, opts: { at?: string; json?: boolean }, command: Command) => {
      const config = configFrom(command);
      const testFile = file ?? path.join(config.policyDir, EXPECTATIONS_FILE);
      const text = await readFile(testFile, 'utf8').catch(() => {
        throw new Error(`${testFile}: cannot be read; write the expectations there (see policy/${EXPECTATIONS_FILE} for the grammar)`);
      });
      const results = await withApp(config, async (app) => {
        const version = opts.at ? await (await PolicyVersions.open(app.store)).get(opts.at) : null;
        if (opts.at && !version) throw new Error(`no published policy version "${opts.at}"`);
        const engine = version ? await engineOf(version) : await PolicyEngine.load(config.policyDir);
        return testPolicy(engine, testFile, text, storeDocLabels(app));
      });
      const failed = results.filter((r) => !r.ok).length;
      if (failed > 0) process.exitCode = 1;
      // --json prints the JSON and nothing else, so the output parses as a whole.
      if (opts.json) return printJson(results);
      for (const r of results) if (!r.ok) process.stdout.write(`${testFile}:${r.line}: FAILED "${r.statement}": ${r.actual}\n`);
      process.stdout.write(`policy test ${testFile}: ${results.length - failed} of ${results.length} statements hold${failed ? `, ${failed} do not` : ''}\n`);
    });
}
