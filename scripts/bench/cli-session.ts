import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { defaultModelDir } from '../../src/config/config.js';
import { PACKAGE_ROOT } from '../../src/config/package.js';

export const CLI = path.join(PACKAGE_ROOT, 'dist/src/cli/main.js');

/**
 * The environment a benchmark runs the built CLI with: a Clearance home under `root`, a config that
 * lifts only the per-task call quota (a bench makes more calls per minute than an agent may), and the
 * given folders (CLEARANCE_* variables).
 */
export function benchCliEnv(root: string, folders: Record<string, string>): Record<string, string> {
  writeFileSync(path.join(root, 'clearance.config.yaml'), 'quotas: { callsPerMinutePerTask: 1000000 }\n');
  return {
    ...(process.env as Record<string, string>),
    LANCEDB_LOG: 'error',
    CLEARANCE_CONFIG: path.join(root, 'clearance.config.yaml'),
    CLEARANCE_HOME: path.join(root, 'home'),
    ...folders,
    CLEARANCE_MODEL_DIR: process.env.CLEARANCE_MODEL_DIR ?? defaultModelDir(PACKAGE_ROOT),
  };
}

/** Runs `clearance <args>` to completion; its stdout, or an error with its stderr. */
export function runBenchCli(env: Record<string, string>, args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`clearance ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  return r.stdout;
}

/** A task grant minted by `clearance task start`, and an MCP SDK client on `clearance serve --stdio` with it. */
export async function connectTask(env: Record<string, string>, task: { owner: string; agent: string; purpose: string; client: string }) {
  const token = runBenchCli(env, ['task', 'start', '--owner', task.owner, '--agent', task.agent, '--purpose', task.purpose, '--token-only']).trim();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve', '--stdio'],
    env: { ...env, CLEARANCE_TASK_TOKEN: token },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: task.client, version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`clearance serve --stdio did not start: ${(err as Error).message}\n${stderr}`);
  }
  return { client, pid: transport.pid! };
}
