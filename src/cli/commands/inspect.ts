import type { Command } from 'commander';
import { searchAs } from '../../admin/explain.js';
import { withApp } from '../../app/app.js';
import { buildCard, formatCard } from '../../governance/card.js';
import { configFrom } from '../context.js';
import { printJson } from '../json.js';
import { commaList } from '../output.js';
import { plain } from '../../views/inert.js';

export function registerInspect(program: Command): void {
  program
    .command('search <query>')
    .description('admin: search as a human through an agent workflow (no approvals), to check what they would get')
    .requiredOption('--as <human>', 'the human')
    .requiredOption('--agent <agent>', 'the agent workflow')
    .option('--sources <ids>', 'task scope: comma-separated sources')
    .option('--classes <ids>', 'task scope: comma-separated classes')
    .option('--k <n>', 'results', '5')
    .option('--json', 'JSON output')
    .action(async (query: string, opts: { as: string; agent: string; sources?: string; classes?: string; k: string; json?: boolean }, command: Command) => {
      const k = Number(opts.k);
      if (!Number.isInteger(k) || k < 1 || k > 50) throw new Error('--k must be a whole number from 1 to 50');
      const scope = Object.fromEntries(
        Object.entries({ sources: commaList(opts.sources), classes: commaList(opts.classes) }).filter(([, v]) => v !== undefined),
      );
      const result = await withApp(configFrom(command), (app) => searchAs(app, { human: opts.as, agent: opts.agent, scope, query, k }));
      if (opts.json) return void printJson(result);
      if (result.passages.length === 0) process.stdout.write('no permitted results\n');
      for (const [i, p] of result.passages.entries()) {
        process.stdout.write(
          plain`[${i + 1}] ${p.title} (${p.provenance.data_class}, ${p.provenance.doc_id}, score ${(p.provenance.score ?? 0).toFixed(3)}, allowed by ${p.provenance.rule})\n    ${p.text.replace(/\s+/g, ' ').slice(0, 160)}…\n`,
        );
      }
    });

  program
    .command('card')
    .description('the server review card, filled from live config and policy')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const card = await withApp(configFrom(command), async (app) => buildCard(app.config, app.policy(), [...(await app.sources.all()).values()]));
      if (opts.json) printJson(card);
      else process.stdout.write(formatCard(card));
    });
}
