import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { defaultModelDir } from '../../src/config/config.js';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { percentile, round } from './report.js';

const CLI = path.join(PACKAGE_ROOT, 'dist/src/cli/main.js');

/** Peak and current resident memory of a process, from /proc (Linux). */
function memoryOf(pid: number): { peakMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMb: round(kb('VmHWM') / 1024, 0), rssMb: round(kb('VmRSS') / 1024, 0) };
}

/**
 * The memory of a real serving process over a store: the built `clearance serve --stdio` with a task
 * grant, `calls` MCP searches (default settings), then its peak RSS as the kernel counts it. Separate
 * from the benchmark process, which keeps every vector in memory for exact recall.
 */
export async function servingMemory(opts: { storeUri: string; policyDir: string; owner: string; agent: string; calls: number }) {
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-bench-serving-'));
  writeFileSync(path.join(root, 'clearance.config.yaml'), 'quotas: { callsPerMinutePerTask: 1000000 }\n');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LANCEDB_LOG: 'error',
    CLEARANCE_CONFIG: path.join(root, 'clearance.config.yaml'),
    CLEARANCE_HOME: path.join(root, 'home'),
    CLEARANCE_STORE_URI: opts.storeUri,
    CLEARANCE_POLICY_DIR: opts.policyDir,
    CLEARANCE_MODEL_DIR: process.env.CLEARANCE_MODEL_DIR ?? defaultModelDir(PACKAGE_ROOT),
  };
  const started = spawnSync(
    process.execPath,
    [CLI, 'task', 'start', '--owner', opts.owner, '--agent', opts.agent, '--purpose', 'serving memory bench', '--token-only'],
    {
      env,
      encoding: 'utf8',
    },
  );
  if (started.status !== 0) throw new Error(`clearance task start failed (${started.status}): ${started.stderr.slice(0, 2000)}`);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve', '--stdio'],
    env: { ...env, CLEARANCE_TASK_TOKEN: started.stdout.trim() },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'serving-memory-bench', version: '1.0.0' });
  await client.connect(transport).catch((err: Error) => {
    throw new Error(`clearance serve --stdio did not start: ${err.message}\n${stderr}`);
  });
  const pid = transport.pid!;
  const latencies: number[] = [];
  try {
    const before = memoryOf(pid);
    for (let i = 0; i < opts.calls; i++) {
      const t = performance.now();
      const r = await client.callTool({ name: 'search', arguments: { query: `chunk ${i * 7919} topic ${i % 64}`, k: 10, reason: 'memory bench' } });
      latencies.push(performance.now() - t);
      if (r.isError) throw new Error(`search failed: ${JSON.stringify(r.content).slice(0, 500)}`);
    }
    return { startedMb: before.rssMb, ...memoryOf(pid), p50Ms: round(percentile(latencies, 50), 1), calls: opts.calls };
  } finally {
    await client.close();
  }
}
