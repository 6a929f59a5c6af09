#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { VERSION } from '../config/package.js';
import { addGlobalOptions } from './context.js';
import { commands } from './commands/index.js';
import { exitWithError } from './output.js';

process.env.LANCEDB_LOG ??= 'error';
// `clearance … | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = addGlobalOptions(
  new Command('clearance')
    .description('Permission-aware RAG broker: an MCP knowledge server whose agents never retrieve more than their human may read, for this task.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)'),
);
program.exitOverride();
for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  exitWithError(err);
}
