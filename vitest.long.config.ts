import { defineConfig } from 'vitest/config';

// The on-demand tier: big sizes (20k leak cases, fault trials, load). Not run in CI.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
    env: { LANCEDB_LOG: 'error' },
  },
});
