import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { GrantVerifier } from '../identity/verify.js';
import { serveRun } from './server.js';
import { endRun, startRun, type SessionDeps } from './session.js';

/**
 * Serves one run over stdio. The task grant comes from CLEARANCE_TASK_TOKEN; stdout carries only
 * MCP messages, so every log line goes to stderr.
 */
export async function serveStdio(deps: SessionDeps, verifier: GrantVerifier, token: string | undefined): Promise<void> {
  if (!token) throw new Error('CLEARANCE_TASK_TOKEN is not set. Mint a task grant with `clearance task start` and pass it in the environment.');
  const grant = await verifier.verify(token);
  const session = await startRun(deps, grant, 'stdio');
  const transport = new StdioServerTransport();
  const server = await serveRun(session, transport, { jti: grant.jti, transportErrors: true });
  let ended = false;
  const end = async (why: string) => {
    if (ended) return;
    ended = true;
    await endRun(session, why).catch(() => undefined);
  };
  const expiry = setTimeout(() => void end('grant expired').then(() => server.close()), Math.max(0, grant.expiresAt.getTime() - Date.now()));
  expiry.unref();
  server.onclose = () => void end('client disconnected');
  await new Promise<void>((resolve) => {
    const finish = () => void end('client disconnected').then(resolve);
    process.stdin.once('end', finish);
    process.stdin.once('close', finish);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void end(`server stopped (${signal})`).then(() => process.exit(0)));
  });
}
