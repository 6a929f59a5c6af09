import { Command } from 'commander';
import { VERSION } from '../config/package.js';
import { addGlobalOptions } from './context.js';
import { commands } from './commands/index.js';

/** The whole `clearance` command tree, unparsed: main.ts runs it, tests walk its help texts. */
export function buildProgram(): Command {
  const program = addGlobalOptions(
    new Command('clearance')
      .description('Permission-aware RAG broker: an MCP knowledge server whose agents never retrieve more than their human may read, for this task.')
      .version(VERSION)
      .showHelpAfterError('(run with --help for usage)'),
  );
  program.exitOverride();
  for (const register of commands) register(program);
  return program;
}
