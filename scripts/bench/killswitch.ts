import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { Governance } from '../../src/governance/governance.js';
import { KillSwitchWatcher } from '../../src/governance/watcher.js';
import type { RequestIdentity } from '../../src/identity/identity.js';
import { Store } from '../../src/store/store.js';
import { percentile, report, round, type Row } from './report.js';

/** Delay from a kill committed by another process (the CLI) to this process refusing a call. */
export async function runKillSwitchBench(opts: { quick: boolean }): Promise<Row[]> {
  const home = mkdtempSync(path.join(tmpdir(), 'clearance-bench-kill-'));
  const storeUri = path.join(home, 'store');
  const store = await Store.open({ storeUri, storageOptions: {}, readConsistencySeconds: 0 });
  const governance = await Governance.open(store);
  const watcher = new KillSwitchWatcher(governance);
  await watcher.start();
  const delays: number[] = [];
  const trials = opts.quick ? 5 : 20;
  for (let t = 0; t < trials; t++) {
    const identity: RequestIdentity = {
      human: `h${t}`,
      agent: 'a',
      taskId: 't',
      purpose: 'p',
      runId: 'r',
      transport: 'cli',
      scope: {},
      grantExpiresAt: new Date(Date.now() + 60_000).toISOString(),
    };
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist/src/cli/main.js'), 'kill', '--human', `h${t}`, '--force', '--reason', 'bench'], {
      env: { ...process.env, CLEARANCE_HOME: home, CLEARANCE_STORE_URI: storeUri, CLEARANCE_POLICY_DIR: path.join(PACKAGE_ROOT, 'policy') },
      stdio: 'ignore',
    });
    // The CLI exits right after its commit: take the exit as the commit time (an upper bound on it).
    const committed = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now())));
    let detected = 0;
    while (!detected) {
      if (watcher.killedFor(identity)) detected = performance.now();
      else await new Promise((r) => setTimeout(r, 5));
    }
    delays.push(Math.max(0, detected - (await committed)));
  }
  watcher.stop();
  store.close();
  const rows = [
    {
      trials,
      'p50 ms': round(percentile(delays, 50), 0),
      'max ms': round(Math.max(...delays), 0),
      'goal < 1000 ms': Math.max(...delays) < 1000 ? 'met' : 'not met',
    },
  ];
  report('killswitch', 'Kill switch: CLI commit in another process → refusal in a serving process', rows, [
    'Measured from the CLI process exit (after its commit) to the watcher reporting the switch; the watcher polls the store every 200 ms.',
  ]);
  return rows;
}
