import { defineConfig } from 'vitest/config';

// onnxruntime-node and LanceDB's native handles are not fork-safe across worker threads:
// run test files in child processes, two at a time (CI has 2 cores).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.long.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Safety nets only, one for every test (no test sets a tighter one): a test waits for conditions,
    // and a busy machine (CI's 2 cores with a CPU hog beside the suite) may be many times slower.
    testTimeout: 1_800_000,
    hookTimeout: 1_800_000,
    env: { LANCEDB_LOG: 'error' },
  },
});
