import type { Command } from 'commander';
import { openServer } from '../../app/server.js';
import express from 'express';
import type { Server as HttpServer } from 'node:http';
import type { Config } from '../../config/config.js';
import { createHttpApp, listen, mcpPath } from '../../mcp/http.js';
import { SCIM_PATH } from '../../scim/routes.js';
import { metricsRoute, type OpsEndpoints } from '../../mcp/ops-routes.js';
import { serveStdio } from '../../mcp/stdio.js';
import { configFrom } from '../context.js';
import type { App } from '../../app/app.js';
import { watchAndIngest } from '../../app/watch-ingest.js';
import { parseDurationMs } from '../../config/duration.js';
import type { CorporaWatcher } from '../../ingest/watch.js';
import { inertLine } from '../../views/inert.js';

interface ServeFlags {
  stdio?: boolean;
  http?: boolean;
  host?: string;
  port?: string;
  replicaId?: string;
  watchPolicy?: boolean;
  watchCorpora?: boolean;
  watchDebounce: string;
}

/** The serving process as the store's one writer: batches are summarised on stderr (stdout may be the stdio transport). */
async function watchCorporaFromServe(app: App, debounceMs: number): Promise<CorporaWatcher> {
  const watcher = await watchAndIngest(app, {
    debounceMs,
    onReport(report) {
      const changed = report.sources.reduce((n, s) => n + s.changes.length, 0);
      const skipped = report.sources.reduce((n, s) => n + s.skipped.length, 0);
      const failed = report.sources.filter((s) => s.error).map((s) => inertLine(s.source));
      process.stderr.write(
        `clearance: corpora: ${changed} document change(s), ${skipped} skipped${failed.length ? `, failed: ${failed.join(', ')}` : ''}; table version ${report.tableVersion}\n`,
      );
    },
    onError: (err) =>
      process.stderr.write(`clearance: corpora watch: batch failed, still watching: ${inertLine(err instanceof Error ? err.message : String(err))}\n`),
  });
  process.stderr.write(`clearance: watching ${inertLine(app.config.corporaDir)} for changes (debounce ${debounceMs} ms)\n`);
  return watcher;
}

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
    .option('--watch-corpora', 'also keep the store in line with the corpora folder, as `clearance ingest --watch` does (single-process deployments)')
    .option('--watch-debounce <duration>', 'with --watch-corpora: apply a burst of changes once it has been quiet this long', '500ms')
    .action(async (opts: ServeFlags, command: Command) => {
      if (Boolean(opts.stdio) === Boolean(opts.http)) throw new Error('choose exactly one of --stdio or --http');
      const config = configFrom(command);
      if (opts.host) config.httpHost = opts.host;
      if (opts.port !== undefined) {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${opts.port}: use a whole number from 0 to 65535`);
        config.httpPort = port;
      }
      const runtime = await openServer(config, { replicaId: opts.replicaId ?? config.replicaId, watchPolicy: opts.watchPolicy });
      const corpora = opts.watchCorpora ? await watchCorporaFromServe(runtime.app, parseDurationMs(opts.watchDebounce, '--watch-debounce')) : null;
      if (opts.stdio) {
        try {
          await serveStdio(runtime, runtime.verifier, process.env.CLEARANCE_TASK_TOKEN);
        } finally {
          await corpora?.close();
          await runtime.close();
          runtime.logger.info({ event: 'server.stopped', transport: 'stdio' }, 'server stopped');
        }
        return;
      }
      // The public base URL for metadata links: the configured resource's origin.
      const scim = runtime.scim();
      const http = createHttpApp(config, runtime, runtime.verifier, new URL(config.resource).origin, {
        ops: runtime.ops,
        pages: { '/console': runtime.console, ...(scim ? { [SCIM_PATH]: scim } : {}) },
      });
      const server = await listen(http.app, config.httpHost, config.httpPort);
      if (metricsMode(config) !== 'off') runtime.metrics.withProcessMetrics();
      const metricsServer = config.metricsPort === undefined ? null : await serveMetrics(config, runtime.ops);
      const port = portOf(server, config.httpPort);
      process.stderr.write(
        `clearance: serving MCP on http://${config.httpHost}:${port}${mcpPath(config.resource)} (resource ${config.resource}), console on http://${config.httpHost}:${port}/console; audit log ${runtime.auditLog.file}\n`,
      );
      runtime.logger.info({ event: 'server.started', transport: 'http', host: config.httpHost, port, metrics: metricsMode(config) }, 'server started');
      const stop = async (signal: string) => {
        runtime.logger.info({ event: 'server.stopping', signal }, 'server stopping: closing sessions');
        await http.closeAll(`server stopped (${signal})`);
        server.close();
        metricsServer?.close();
        await corpora?.close();
        await runtime.close();
        runtime.logger.info({ event: 'server.stopped', signal }, 'server stopped');
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}

const portOf = (server: HttpServer, fallback: number) => {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : fallback;
};

const metricsMode = (config: Config) => (config.metricsPort !== undefined ? 'own port' : config.metricsToken !== undefined ? 'main port, bearer token' : 'off');

/** `/metrics` on a port of its own (and nothing else there), behind `metricsToken` when one is set. */
async function serveMetrics(config: Config, ops: OpsEndpoints): Promise<HttpServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRoute(ops, config.metricsToken));
  const host = config.metricsHost ?? config.httpHost;
  const server = await listen(app, host, config.metricsPort!);
  process.stderr.write(`clearance: serving metrics on http://${host}:${portOf(server, config.metricsPort!)}/metrics\n`);
  return server;
}
