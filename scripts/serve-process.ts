import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/config/package.js';

/**
 * Starts the built `clearance serve --http --port 0` as a child process (a replica, for tests and
 * benchmarks) and resolves with its URL once it listens.
 */
export async function startServeProcess(env: Record<string, string>, args: string[] = []): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist/src/cli/main.js'), 'serve', '--http', '--port', '0', ...args], {
    env: { ...process.env, LANCEDB_LOG: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
