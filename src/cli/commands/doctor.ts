import type { Command } from 'commander';
import { runDoctor } from '../../admin/doctor.js';
import { configFrom } from '../context.js';
import { printJson } from '../json.js';
import { configFileFrom } from './config-file.js';
import { inertLine } from '../../views/inert.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the setup: config, policy, every manifest against the policy, model, store, keys, audit folder, HTTP port. Exit 0: all good; 1: a problem',
    )
    .option('--json', 'print the checks as JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const checks = await runDoctor(() => {
        const file = configFileFrom(command);
        return { config: configFrom(command), file };
      });
      const failed = checks.filter((c) => !c.ok).length;
      if (opts.json) printJson({ ok: failed === 0, checks });
      else {
        const width = Math.max(...checks.map((c) => c.check.length));
        for (const c of checks) {
          const [first, ...rest] = c.detail.split('\n');
          process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${inertLine(c.check.padEnd(width))}  ${inertLine(first ?? '')}\n`);
          for (const line of rest) process.stdout.write(`      ${' '.repeat(width)}  ${inertLine(line.trim())}\n`);
        }
        process.stdout.write(failed === 0 ? `\nall ${checks.length} checks passed\n` : `\n${failed} of ${checks.length} checks failed\n`);
      }
      if (failed > 0) process.exitCode = 1;
    });
}
