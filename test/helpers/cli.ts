import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../../src/config/config.js';
import { startServeProcess } from '../../scripts/serve-process.js';
import { REPO } from './world.js';
import { TestClient } from './mcp-client.js';

export const CLI = path.join(REPO, 'dist/src/cli/main.js');

/** The environment that points the built CLI at a test world's folders. */
export function cliEnv(config: Config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LANCEDB_LOG: 'error',
    CLEARANCE_HOME: config.home,
    CLEARANCE_POLICY_DIR: config.policyDir,
    CLEARANCE_CORPORA_DIR: config.corporaDir,
    CLEARANCE_MODEL_DIR: config.modelDir,
    ...extra,
  };
}

/**
 * The CLI as a child process, awaited without blocking the test's event loop: a blocked loop would miss
 * an idle HTTP socket's close by the server (its 65 s keep-alive) and send the next MCP call on it
 * ("other side closed"), and a command may call back into a server the test itself runs (an IdP).
 */
export function runCli(config: Config, args: string[], extra: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return spawnCli(config, args, extra).done;
}

/** The CLI as a child process whose output the test can watch while it runs (e.g. a sign-in prompt). */
export function spawnCli(config: Config, args: string[], extra: Record<string, string> = {}) {
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { env: cliEnv(config, extra), stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000 });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (status) => resolve({ status, ...out })));
  return { child, out, done };
}

/** Starts `clearance serve --http --port 0` on a test world and resolves with its base URL once it listens. */
export function startHttpServer(config: Config, extra: Record<string, string> = {}, args: string[] = []): ReturnType<typeof startServeProcess> {
  return startServeProcess(cliEnv(config, extra) as Record<string, string>, args);
}

/** A task grant for `human` via `agent`, minted by `clearance task start` as an admin would. */
export async function taskToken(config: Config, human: string, agent: string, purpose: string): Promise<string> {
  return (await runCli(config, ['task', 'start', '--owner', human, '--agent', agent, '--purpose', purpose, '--token-only'])).stdout.trim();
}

/** A real MCP SDK client over Streamable HTTP, sending `bearer` as its task grant. */
export async function connectHttp(url: string, bearer: string, name: string): Promise<Client> {
  const client = new TestClient({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } }));
  return client;
}
