import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchCliEnv, connectTask } from './cli-session.js';
import { percentile, round } from './report.js';

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
  const env = benchCliEnv(mkdtempSync(path.join(tmpdir(), 'clearance-bench-serving-')), {
    CLEARANCE_STORE_URI: opts.storeUri,
    CLEARANCE_POLICY_DIR: opts.policyDir,
  });
  const { client, pid } = await connectTask(env, { owner: opts.owner, agent: opts.agent, purpose: 'serving memory bench', client: 'serving-memory-bench' });
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
