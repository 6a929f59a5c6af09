import type { Command } from 'commander';
import { openServer } from '../../app/server.js';
import { createHttpApp, listen, mcpPath } from '../../mcp/http.js';
import { serveStdio } from '../../mcp/stdio.js';
import { configFrom } from '../context.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve MCP to agents: --stdio (one run; grant from CLEARANCE_TASK_TOKEN) or --http (Streamable HTTP, bearer task grants)')
    .option('--stdio', 'serve one run over stdin/stdout')
    .option('--http', 'serve Streamable HTTP')
    .option('--host <host>', 'HTTP bind address (default 127.0.0.1)')
    .option('--port <port>', 'HTTP port (default 8765; 0 picks a free port)')
    .option('--replica-id <id>', "this process's name in the audit log (default: config replicaId)")
    .option('--watch-policy', 'with no published policy version: serve edits of the policy folder as soon as they validate (local development)')
    .action(async (opts: { stdio?: boolean; http?: boolean; host?: string; port?: string; replicaId?: string; watchPolicy?: boolean }, command: Command) => {
      if (Boolean(opts.stdio) === Boolean(opts.http)) throw new Error('choose exactly one of --stdio or --http');
      const config = configFrom(command);
      if (opts.host) config.httpHost = opts.host;
      if (opts.port !== undefined) {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${opts.port}: use a whole number from 0 to 65535`);
        config.httpPort = port;
      }
      const runtime = await openServer(config, { replicaId: opts.replicaId ?? config.replicaId, watchPolicy: opts.watchPolicy });
      if (opts.stdio) {
        try {
          await serveStdio(runtime, runtime.verifier, process.env.CLEARANCE_TASK_TOKEN);
        } finally {
          await runtime.close();
        }
        return;
      }
      // The public base URL for metadata links: the configured resource's origin.
      const http = createHttpApp(config, runtime, runtime.verifier, new URL(config.resource).origin, { '/console': runtime.console });
      const server = await listen(http.app, config.httpHost, config.httpPort);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.httpPort;
      process.stderr.write(
        `clearance: serving MCP on http://${config.httpHost}:${port}${mcpPath(config.resource)} (resource ${config.resource}), console on http://${config.httpHost}:${port}/console; audit log ${runtime.auditLog.file}\n`,
      );
      const stop = async (signal: string) => {
        await http.closeAll(`server stopped (${signal})`);
        server.close();
        await runtime.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
