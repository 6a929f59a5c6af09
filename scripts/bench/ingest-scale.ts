import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { Store } from '../../src/store/store.js';
import { FORMAT_NAMES, writeFormatFiles } from './formats.js';
import { report, round, type Row } from './report.js';

/**
 * Ingest at scale, as an admin runs it: a mixed-format corpus (every format, ~10,000 documents) through
 * `clearance ingest` not on a terminal (so progress comes as periodic lines), killed with SIGKILL once
 * half the sources are done, then run again (it resumes: only what was not committed is embedded), then
 * once more (nothing left to embed). The store must end with every document exactly once.
 */

const CLI = path.join(PACKAGE_ROOT, 'dist/src/cli/main.js');
/** Documents one file of each format yields, in FORMAT_NAMES order summed (see formats.ts: 1+2+1+3+3+3+1+3). */
const DOCS_PER_FILE_SET = 17;
const PROGRESS = /^ingest (\S+): (\d+)\/(\d+) documents, (\d+) chunks, [\d.]+ docs\/s, (done|ETA .*)$/;

interface Run {
  exit: number | string;
  seconds: number;
  /** Per source: documents and chunks embedded in this run (from its last progress line). */
  embedded: Map<string, { docs: number; chunks: number }>;
  lines: number;
}

/** One `clearance ingest`; `killAfterDone` sources reported done → SIGKILL. */
function ingest(env: Record<string, string>, killAfterDone?: number): Promise<Run> {
  const child = spawn(process.execPath, [CLI, 'ingest'], { env: { ...process.env, LANCEDB_LOG: 'error', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const started = performance.now();
  const embedded = new Map<string, { docs: number; chunks: number }>();
  let lines = 0;
  let done = 0;
  let pending = '';
  child.stderr!.on('data', (d: Buffer) => {
    pending += d.toString();
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) {
      const m = PROGRESS.exec(line);
      if (!m) continue;
      lines++;
      embedded.set(m[1]!, { docs: Number(m[2]), chunks: Number(m[4]) });
      if (m[5] === 'done' && ++done === killAfterDone) child.kill('SIGKILL');
    }
  });
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ exit: code ?? signal ?? '?', seconds: (performance.now() - started) / 1000, embedded, lines })),
  );
}

const sum = (run: Run, key: 'docs' | 'chunks') => [...run.embedded.values()].reduce((n, e) => n + e[key], 0);

export async function runIngestScaleBench(opts: { quick: boolean; documents?: number }): Promise<Row[]> {
  const targetDocs = opts.documents ?? (opts.quick ? 1_000 : 10_000);
  const filesPerFormat = Math.ceil(targetDocs / DOCS_PER_FILE_SET);
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-bench-scale-'));
  cpSync(path.join(PACKAGE_ROOT, 'policy'), path.join(root, 'policy'), { recursive: true });
  for (const format of FORMAT_NAMES) await writeFormatFiles(path.join(root, 'corpora'), format, filesPerFormat);
  const config = loadConfig({ cwd: root, env: {} });
  const env = { CLEARANCE_HOME: config.home, CLEARANCE_POLICY_DIR: config.policyDir, CLEARANCE_CORPORA_DIR: config.corporaDir };
  try {
    const runs = [
      { name: `killed (SIGKILL) after ${FORMAT_NAMES.length / 2} of ${FORMAT_NAMES.length} sources`, run: await ingest(env, FORMAT_NAMES.length / 2) },
      { name: 're-run: resumes', run: await ingest(env) },
      { name: 're-run: nothing left', run: await ingest(env) },
    ];
    const store = await Store.open(config);
    const stored = (await (await store.chunks()).rows(undefined, { select: ['doc_id'] })).map((r) => r.doc_id);
    store.close();
    const distinct = new Set(stored).size;
    const rows: Row[] = runs.map(({ name, run }) => ({
      run: name,
      exit: run.exit,
      'documents embedded': sum(run, 'docs'),
      'chunks embedded': sum(run, 'chunks'),
      seconds: round(run.seconds, 0),
      'docs/s': run.seconds > 0 ? round(sum(run, 'docs') / run.seconds, 1) : 0,
      'progress lines': run.lines,
    }));
    const expected = filesPerFormat * DOCS_PER_FILE_SET;
    const embeddedTotal = sum(runs[0]!.run, 'docs') + sum(runs[1]!.run, 'docs');
    report('ingest-scale', `Ingest at scale: ${FORMAT_NAMES.length} formats × ${filesPerFormat} files, killed mid-run and resumed`, rows, [
      `store after the runs: ${distinct} distinct documents (expected ${expected}) in ${stored.length} chunks; documents embedded across the runs: ${embeddedTotal}; the last run must embed 0.`,
      'Not on a terminal, progress is a line per source every 5 s and every tenth of its documents (on a terminal, one live line with rate and ETA).',
      'A killed run loses at most its uncommitted batch; committed documents are not embedded again.',
    ]);
    if (sum(runs[2]!.run, 'docs') !== 0 || runs[1]!.run.exit !== 0 || distinct !== expected) throw new Error('ingest did not resume cleanly: see the table');
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
