import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { CLI, cliEnv, runCli } from '../helpers/cli.js';
import { pause, randomInt } from '../helpers/wait.js';
import { tempWorld } from '../helpers/world.js';

const TRIALS = Number(process.env.FAULT_TRIALS ?? 20);
const SOURCES = ['eng-docs', 'postmortems', 'runbooks', 'security-reviews', 'business-workflows', 'account-notes'];

describe(`kill -9 during ingest at random points (${TRIALS} trials)`, () => {
  it('every trial leaves each document fully old or fully new and queryable; a re-run completes with no duplicates or orphans', async () => {
    const config = tempWorld();
    expect((await runCli(config, ['ingest'])).status).toBe(0);
    const docIds = async () => {
      const store = await Store.open(config);
      const rows = await (await store.chunks()).raw.query().select(['doc_id', 'doc_version', 'chunk_id']).toArray();
      store.close();
      return rows;
    };
    const expectedDocs = new Set((await docIds()).map((r) => r.doc_id as string));

    const revise = (revision: string) => {
      for (const source of SOURCES) {
        const dir = path.join(config.corporaDir, source);
        for (const name of readdirSync(dir).filter((n) => n.endsWith('.md'))) {
          writeFileSync(path.join(dir, name), `${readFileSync(path.join(dir, name), 'utf8')}\nRevision ${revision}.\n`);
        }
      }
    };
    // Each ingest prints one final progress line (`…, done`) per revised source, after committing it. A kill point is "after
    // line k, plus part of the time the next line took in a calibration run": the line count, not the
    // clock, guarantees that the kill lands before the run ends (the last source is always still to
    // come), while the extra delay spreads kills over start-up, model load, parsing, embedding and commits.
    const runIngest = (onLine: (count: number) => void) => {
      const child = spawn(process.execPath, [CLI, 'ingest'], { env: cliEnv(config), stdio: ['ignore', 'ignore', 'pipe'] });
      let lines = 0;
      let partial = '';
      child.stderr!.on('data', (d: Buffer) => {
        const parts = (partial + d.toString()).split('\n');
        partial = parts.pop()!;
        for (const line of parts) if (/^ingest \S+: (\d+)\/\1 documents, .*, done$/.test(line)) onLine(++lines);
      });
      // Listen from the start: the child may exit before the kill.
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
      return { child, exited };
    };
    revise('calibration');
    const started = Date.now();
    const lineAt: number[] = [0];
    const calibration = runIngest(() => lineAt.push(Date.now() - started));
    expect((await calibration.exited).code).toBe(0);
    const sourceLines = lineAt.length - 1;
    expect(sourceLines, 'one progress line per revised source').toBe(SOURCES.length);
    const gapAfter = (k: number) => lineAt[k + 1]! - lineAt[k]!;

    let killedMidRun = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      revise(String(trial));
      const afterLine = randomInt(0, sourceLines - 1);
      const extraMs = Math.floor(Math.random() * 0.5 * gapAfter(afterLine));
      const delay = `${extraMs} ms after line ${afterLine}`;
      let reached!: () => void;
      const lineReached = new Promise<void>((r) => (reached = r));
      const { child, exited } = runIngest((count) => count === afterLine && reached());
      if (afterLine === 0) reached();
      await Promise.race([lineReached, exited]);
      await pause(extraMs);
      child.kill('SIGKILL');
      if ((await exited).signal === 'SIGKILL') killedMidRun++;
      const rows = await docIds();
      const versions = new Map<string, Set<string>>();
      for (const r of rows) versions.set(r.doc_id, (versions.get(r.doc_id) ?? new Set()).add(r.doc_version));
      expect(new Set(versions.keys()), `trial ${trial} (killed ${delay})`).toEqual(expectedDocs);
      for (const [doc, v] of versions) expect(v.size, `trial ${trial}: ${doc} has mixed versions`).toBe(1);
      expect(new Set(rows.map((r) => r.chunk_id)).size, `trial ${trial}: duplicate chunks`).toBe(rows.length);
    }
    // The trials must exercise interrupted ingests, not ones that had already finished.
    expect(killedMidRun).toBeGreaterThanOrEqual(Math.ceil(TRIALS / 2));
    const rerun = await runCli(config, ['ingest', '--json']);
    expect(rerun.status).toBe(0);
    expect((await runCli(config, ['ingest', '--json'])).stdout).toMatch(/"docs_embedded": 0/);
    const final = await docIds();
    expect(new Set(final.map((r) => r.doc_id))).toEqual(expectedDocs);
    expect(new Set(final.map((r) => r.chunk_id)).size).toBe(final.length);
  }, 1_800_000);
});
