import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../../src/config/config.js';
import { REPO } from './world.js';

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

export function runCli(config: Config, args: string[], extra: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: cliEnv(config, extra), encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `clearance serve --http --port 0` and resolves with its base URL once it listens. */
export async function startHttpServer(config: Config, extra: Record<string, string> = {}, args: string[] = []): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0', ...args], { env: cliEnv(config, extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /serving MCP on (http:\/\/[^ ]+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
  return { url, child, stderr: () => stderr };
}
