import { describe, expect, it } from 'vitest';
import { runAuditBench } from '../../scripts/bench/audit.js';
import { runIngestBench } from '../../scripts/bench/ingest.js';
import { runKillSwitchBench } from '../../scripts/bench/killswitch.js';
import { runMcpHttpBench } from '../../scripts/bench/mcp-http.js';
import { runRevocationBench } from '../../scripts/bench/revocation.js';
import { BENCH_TIMEOUT_MS } from '../helpers/bench.js';

// The slower half of the reduced-size benchmarks (about 9 minutes on CI's 2 cores): in `npm run test:long`.
// What they exercise in the product is also covered by the default suite's e2e tests (kill switch,
// live policy on one process and two replicas, MCP over HTTP, audit durability).
describe('benchmarks (reduced sizes, slower half)', () => {
  it(
    'ingest, kill switch, audit and MCP-over-HTTP produce their tables',
    async () => {
      expect((await runIngestBench({ quick: true })).map((r) => r.dtype)).toEqual(['fp32', 'q8']);
      expect(await runKillSwitchBench({ quick: true })).toHaveLength(1);
      expect((await runAuditBench({ quick: true, seconds: 1 })).length).toBe(12);
      const http = await runMcpHttpBench({ quick: true, seconds: 1 });
      expect(http.map((r) => r.clients)).toEqual([1, 8, 32]);
      for (const r of http) expect(r.errors).toBe(0);
    },
    BENCH_TIMEOUT_MS,
  );

  it(
    'revocation: every kind of change on one process and two replicas ends each trial in a refusal on every server',
    async () => {
      const rows = await runRevocationBench({ quick: true, trials: 2 });
      expect(rows.map((r) => [r.setup, r.change])).toEqual(
        ['1 process, local folder', '2 replicas, S3-compatible'].flatMap((setup) =>
          [
            'baseline: task killed (clearance kill)',
            'person removed from a group (policy apply)',
            'document ACL narrowed (re-ingest)',
            "agent's method removed (policy apply)",
          ].map((change) => [setup, change]),
        ),
      );
      for (const r of rows) {
        expect(r.trials).toBe(2);
        expect(r.refused).toBe(r.setup === '1 process, local folder' ? '2/2' : '4/4');
        for (const column of ['p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'p99 / baseline']) expect(Number.isFinite(Number(r[column])), column).toBe(true);
      }
    },
    BENCH_TIMEOUT_MS,
  );
});
