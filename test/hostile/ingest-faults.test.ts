import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { CLI, cliEnv, runCli } from '../helpers/cli.js';
import { tempWorld } from '../helpers/world.js';

const TRIALS = Number(process.env.FAULT_TRIALS ?? 20);
const SOURCES = ['eng-docs', 'postmortems', 'runbooks', 'security-reviews', 'business-workflows', 'account-notes'];

describe(`kill -9 during ingest at random points (${TRIALS} trials)`, () => {
  it('every trial leaves each document fully old or fully new and queryable; a re-run completes with no duplicates or orphans', async () => {
    const config = tempWorld();
    expect(runCli(config, ['ingest']).status).toBe(0);
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
    // Calibrate: how long an uninterrupted re-ingest of the revised documents takes on this machine.
    revise('calibration');
    const started = Date.now();
    expect(runCli(config, ['ingest']).status).toBe(0);
    const fullRunMs = Date.now() - started;

    let killedMidRun = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      revise(String(trial));
      const child = spawn(process.execPath, [CLI, 'ingest'], { env: cliEnv(config), stdio: 'ignore' });
      // Listen from the start: a fast ingest may finish before the kill.
      const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
      // Anywhere in the run: start-up, model load, parsing, embedding, commits.
      const delay = Math.floor(fullRunMs * (0.1 + Math.random() * 0.85));

      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      if ((await exited) === 'SIGKILL') killedMidRun++;
      const rows = await docIds();
      const versions = new Map<string, Set<string>>();
      for (const r of rows) versions.set(r.doc_id, (versions.get(r.doc_id) ?? new Set()).add(r.doc_version));
      expect(new Set(versions.keys()), `trial ${trial} (killed after ${delay} ms)`).toEqual(expectedDocs);
      for (const [doc, v] of versions) expect(v.size, `trial ${trial}: ${doc} has mixed versions`).toBe(1);
      expect(new Set(rows.map((r) => r.chunk_id)).size, `trial ${trial}: duplicate chunks`).toBe(rows.length);
    }
    // The trials must exercise interrupted ingests, not ones that had already finished.
    expect(killedMidRun).toBeGreaterThanOrEqual(Math.ceil(TRIALS / 2));
    const rerun = runCli(config, ['ingest', '--json']);
    expect(rerun.status).toBe(0);
    expect(runCli(config, ['ingest', '--json']).stdout).toMatch(/"docsEmbedded": 0/);
    const final = await docIds();
    expect(new Set(final.map((r) => r.doc_id))).toEqual(expectedDocs);
    expect(new Set(final.map((r) => r.chunk_id)).size).toBe(final.length);
  }, 300_000);
});
