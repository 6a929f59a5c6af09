import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { runAnnBench } from './ann.js';
import { runAuditBench } from './audit.js';
import { runFormatsBench } from './formats.js';
import { runIngestBench } from './ingest.js';
import { runIngestScaleBench } from './ingest-scale.js';
import { runKillSwitchBench } from './killswitch.js';
import { runMcpHttpBench } from './mcp-http.js';
import { runQualityMcpBench } from './quality-mcp.js';
import { runQualityBench } from './quality.js';
import { runRankingSweep } from './ranking-sweep.js';
import { runRetrievalBench } from './retrieval.js';
import { runRevocationBench } from './revocation.js';
import { runScaleOutBench } from './scaleout.js';

process.env.LANCEDB_LOG ??= 'error';

// Outside the repository: the home holds a copy of the dataset (evaluation licences).
const qualityMcpCache = (o: Options) =>
  path.join(
    tmpdir(),
    'clearance-bench-cache',
    `quality-mcp-${path.basename(path.resolve(o.dataset ?? 'scifact'))}-${o.split ?? 'train'}${o.quick ? '-quick' : ''}`,
  );

const BENCHES = {
  ingest: (o: Options) => runIngestBench(o),
  formats: (o: Options) => runFormatsBench(o),
  'ingest-scale': (o: Options) => runIngestScaleBench(o),
  retrieval: (o: Options) => runRetrievalBench(o),
  ann: (o: Options) => runAnnBench(o),
  quality: (o: Options) => runQualityBench(o),
  'quality-mcp': (o: Options) => runQualityMcpBench({ ...o, cacheDir: qualityMcpCache(o) }),
  // The fusion settings scored on the store quality-mcp ingested (run it first).
  // With --quick, the store and the 100 queries of quality-mcp's --quick subset.
  ranking: (o: Options) => runRankingSweep({ ...o, store: path.join(qualityMcpCache(o), 'home', 'store'), queries: o.quick ? 100 : undefined }),
  audit: (o: Options) => runAuditBench(o),
  'mcp-http': (o: Options) => runMcpHttpBench(o),
  killswitch: (o: Options) => runKillSwitchBench(o),
  scaleout: (o: Options) => runScaleOutBench(o),
  revocation: (o: Options) => runRevocationBench(o),
} as const;

interface Options {
  quick: boolean;
  rows?: number;
  dataset?: string;
  split?: string;
  replicasOnly?: boolean;
}

const program = new Command('bench')
  .description('Clearance benchmarks: each prints a table and writes bench-results/<name>.json')
  .argument('<name>', `one of ${Object.keys(BENCHES).join(', ')}, or all (every one but ann)`)
  .option('--quick', 'small sizes (what CI-sized machines finish in minutes)', false)
  .option('--rows <n>', 'retrieval, ann: synthetic chunk count (default 100k quick, 1M otherwise)', (v) => Number(v))
  .option('--dataset <folder>', 'quality, quality-mcp, ranking: a BEIR-layout folder (default ../shared/data/scifact)')
  .option('--split <name>', 'quality, quality-mcp, ranking: qrels split', 'train')
  .option('--replicas-only', 'revocation: only the two-replica phase (S3-compatible store)')
  .action(async (name: string, options: Options) => {
    // `ann` is the index-choice sweep (several index builds), run on its own, not part of `all`.
    const names = name === 'all' ? Object.keys(BENCHES).filter((n) => n !== 'ann') : [name];
    for (const n of names) {
      if (!(n in BENCHES)) throw new Error(`unknown benchmark "${n}"; choose ${Object.keys(BENCHES).join(', ')} or all`);
      const started = performance.now();
      await BENCHES[n as keyof typeof BENCHES](options);
      process.stdout.write(`(${n}: ${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  });

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.message}\n`);
  process.exit(1);
});
