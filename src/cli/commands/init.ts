import type { Command } from 'commander';
import { cliScript } from '../../admin/connect.js';
import { initProject } from '../../admin/init.js';
import { printJson } from '../json.js';

export function registerInit(program: Command): void {
  program
    .command('init [dir]')
    .description('scaffold a working organisation in a folder (default: the current one): config, policy with its tests, one corpus')
    .option('--force', 'write into a folder that is not empty (files of the same names are overwritten)')
    .option('--json', 'print what was written as JSON')
    .action(async (dir: string | undefined, opts: { force?: boolean; json?: boolean }) => {
      const result = await initProject(dir ?? '.', { force: opts.force });
      if (opts.json) return void printJson({ dir: result.dir, configFile: result.configFile, files: result.files });
      const config = JSON.stringify(result.configFile);
      process.stdout.write(
        [
          `wrote ${result.files.length} files to ${result.dir}:`,
          ...result.files.map((f) => `  ${f}`),
          '',
          `next (clearance is \`${process.execPath} ${cliScript()}\` if it is not on your PATH; see docs/bring-your-own-documents.md):`,
          `  export CLEARANCE_CONFIG=${config}     # or pass --config ${config} to every command`,
          '  clearance doctor                      # checks config, policy, manifests, model, store, keys, audit, port',
          '  clearance ingest',
          '  clearance search "holidays" --as ada --agent assistant',
          '  clearance task start --owner ada --agent assistant --purpose "try it"   # prints the client snippets',
          '',
        ].join('\n'),
      );
    });
}
