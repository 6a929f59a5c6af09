import type { Command } from 'commander';
import { issueApproverCredential } from '../../admin/approvals.js';
import { adminActor } from '../../admin/sign-in.js';
import { openApp, withApp } from '../../app/app.js';
import { parseTtlSeconds } from '../../config/duration.js';
import { serveConsole } from '../../console/server.js';
import { CONSOLE_AUDIENCE } from '../../identity/approver.js';
import { configFrom } from '../context.js';
import { printJson } from '../json.js';

export function registerConsole(program: Command): void {
  const consoleCommand = program
    .command('console')
    .description('the web console for approvers, auditors and kill-switch owners on its own port (also at /console of `serve --http`)')
    .option('--port <port>', 'port on 127.0.0.1 (default 8766; 0 picks a free port)', '8766')
    .action(async (opts: { port: string }, command: Command) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${opts.port}: use a whole number from 0 to 65535`);
      const app = await openApp(configFrom(command));
      const server = await serveConsole(app, '127.0.0.1', port);
      const address = server.address();
      process.stderr.write(`clearance: console on http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/console\n`);
      const stop = () => server.close(() => void app.close().then(() => process.exit(0)));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  consoleCommand
    .command('credential')
    .description('admin: mint a console sign-in credential for one human (roles come from the policy)')
    .requiredOption('--human <human>', 'who signs in')
    .option('--ttl <duration>', 'lifetime', '12h')
    .option('--json', 'print the human, lifetime and credential as JSON')
    .action(async (opts: { human: string; ttl: string; json?: boolean }, command: Command) => {
      const ttlSeconds = parseTtlSeconds(opts.ttl);
      await withApp(configFrom(command), async (app) => {
        const credential = await issueApproverCredential(app, opts.human, ttlSeconds, await adminActor(app, 'admin', process.env), CONSOLE_AUDIENCE);
        if (opts.json) return printJson({ human: opts.human, ttlSeconds, credential });
        process.stdout.write(`${credential}\n`);
      });
    });
}
