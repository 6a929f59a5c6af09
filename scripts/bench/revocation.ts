import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../src/identity/keys.js';
import { mintGrant } from '../../src/identity/mint.js';
import { startLocalS3 } from '../s3-local.js';
import { startServeProcess } from '../serve-process.js';
import { percentile, report, round, type Row } from './report.js';

const CLI = path.join(PACKAGE_ROOT, 'dist/src/cli/main.js');
const DOC = 'eng-docs/on-call-guide.md';
/** A trial that never sees its answer change within this long of the command's exit is a failure, not a slow sample. */
const TRIAL_LIMIT_MS = 60_000;
/** A safety net for the command itself (a re-ingest on a loaded machine can take minutes); not what is measured. */
const COMMAND_LIMIT_MS = 900_000;

interface World {
  config: Config;
  env: Record<string, string>;
  key: SigningKey;
  base: string;
  /** Commands that failed once and were run again (e.g. a store error under load); reported with the table. */
  retried: string[];
}

/**
 * Runs the CLI to completion; resolves with the moment it exited (after its commit). A command that
 * fails is run again, up to three attempts with a pause between (the trial then times from the last
 * exit), so a transient store error does not discard a run's trials; each retry is listed under
 * the table.
 */
async function cli(world: World, args: string[]): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await cliOnce(world, args);
    } catch (err) {
      if (attempt === 3) throw err;
      world.retried.push(`clearance ${args.join(' ')} (attempt ${attempt}): ${(err as Error).message.split('\n')[0]!.slice(0, 200)}`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}

function cliOnce(world: World, args: string[]): Promise<number> {
  // Ingest exits 2 for the sample corpora's deliberate skips; its JSON report tells a failed source apart.
  const ingest = args[0] === 'ingest';
  const child = spawn(process.execPath, [CLI, ...args, ...(ingest ? ['--json'] : [])], {
    env: { ...process.env, LANCEDB_LOG: 'error', ...world.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // Timed at the exit; settled once its output is all read.
  let at = 0;
  child.once('exit', () => (at = performance.now()));
  return new Promise((resolve, reject) =>
    child.once('close', (code) => {
      const failedSources =
        ingest && code === 2 ? (JSON.parse(stdout) as { sources: { source: string; error: string | null }[] }).sources.filter((s) => s.error) : [];
      if ((code === 0 || (ingest && code === 2)) && failedSources.length === 0) resolve(at);
      else
        reject(
          new Error(`clearance ${args.join(' ')} exited ${code}: ${failedSources.map((s) => `${s.source}: ${s.error}`).join('; ') || stderr.slice(-400)}`),
        );
    }),
  );
}

/** Each client's last answer, named when a trial fails. */
const lastAnswer = new WeakMap<Client, string>();

/** One call as alice via claude-code; true when refused (an error result or a JSON-RPC error). */
async function refused(client: Client): Promise<boolean> {
  try {
    const result = await client.callTool({ name: 'fetch', arguments: { id: DOC, reason: 'revocation bench' } }, undefined, { timeout: 15_000 });
    lastAnswer.set(client, result.isError ? `refused: ${JSON.stringify(result.content).slice(0, 300)}` : 'answered');
    return result.isError === true;
  } catch (err) {
    lastAnswer.set(client, `error: ${(err as Error).message.slice(0, 300)}`);
    if (typeof (err as { code?: unknown }).code === 'number') return true;
    throw err;
  }
}

/** A trial's answer on one server: the delay from the exit, and how long the call that gave it took. */
interface Answer {
  delay: number;
  callMs: number;
}

/**
 * Keeps calling (steady calls) until an answer received after `exited` resolves is in the wanted
 * state; returns it, or undefined when none came within the trial limit of the exit. Calls made while
 * the command runs count as load; the limit starts at the exit, so a slow command is never counted as
 * a missed trial.
 */
async function untilAnswer(client: Client, wantRefused: boolean, exited: Promise<number>): Promise<Answer | undefined> {
  let exitAt: number | undefined;
  let failure: Error | undefined;
  void exited.then(
    (t) => (exitAt = t),
    (err: Error) => (failure = err),
  );
  const started = performance.now();
  for (;;) {
    if (failure) throw failure;
    const called = performance.now();
    const state = await refused(client).catch(() => undefined); // a transport hiccup: call again
    const at = performance.now();
    if (exitAt !== undefined && state === wantRefused) return { delay: at - exitAt, callMs: at - called };
    if (exitAt !== undefined && at - exitAt > TRIAL_LIMIT_MS) return undefined;
    if (at - started > COMMAND_LIMIT_MS) throw new Error(`the command did not exit within ${COMMAND_LIMIT_MS} ms`);
  }
}

/** One task grant for alice via claude-code, with an open session on every server. */
async function openTask(urls: string[], world: World): Promise<{ clients: Client[]; taskId: string }> {
  const { token, grant } = await mintGrant(world.key, world.config, {
    human: 'alice',
    agent: 'claude-code',
    purpose: 'revocation bench',
    scope: {},
    ttlSeconds: 7200,
  });
  const clients = await Promise.all(
    urls.map(async (url) => {
      const client = new Client({ name: 'bench-revocation', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }), {
        timeout: 15_000,
      });
      return client;
    }),
  );
  return { clients, taskId: grant.taskId };
}

/** A policy or corpus file edited in place: `change` applies the edit, `restore` puts the original back. */
function edit(file: string, from: string, to: string) {
  const original = readFileSync(file, 'utf8');
  if (!original.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
  return { change: () => writeFileSync(file, original.replace(from, to)), restore: () => writeFileSync(file, original) };
}

interface Kind {
  name: string;
  /** A policy change: the servers log its swap, timed to split the delay into propagation and the next call. */
  swaps: boolean;
  change: (world: World) => Promise<number>;
  restore: (world: World) => Promise<number>;
}

function kinds(config: Config): Kind[] {
  const people = edit(path.join(config.policyDir, 'people.csv'), 'g, user:alice, group:engineering\n', '');
  const agents = edit(path.join(config.policyDir, 'agents.csv'), 'p, agent:claude-code, method:fetch, call, allow\n', '');
  const acl = edit(path.join(config.corporaDir, DOC), 'updated: 2026-07-01\n', 'updated: 2026-07-01\nread_acl: [group:sre]\n');
  const viaPolicy = (e: typeof people, message: string): Pick<Kind, 'change' | 'restore'> => ({
    change: (w) => (e.change(), cli(w, ['policy', 'apply', '--message', message])),
    restore: (w) => (e.restore(), cli(w, ['policy', 'rollback', w.base])),
  });
  return [
    { name: 'person removed from a group (policy apply)', swaps: true, ...viaPolicy(people, 'alice leaves engineering') },
    {
      name: 'document ACL narrowed (re-ingest)',
      swaps: false,
      change: (w) => (acl.change(), cli(w, ['ingest'])),
      restore: (w) => (acl.restore(), cli(w, ['ingest'])),
    },
    { name: "agent's method removed (policy apply)", swaps: true, ...viaPolicy(agents, 'claude-code loses fetch') },
  ];
}

/** A fresh world: corpora and policy copied, ingested and the policy published as the base version. */
async function makeWorld(storeEnv: Record<string, string>, retried: string[]): Promise<World> {
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-bench-revoke-'));
  for (const dir of ['corpora', 'policy']) cpSync(path.join(PACKAGE_ROOT, dir), path.join(root, dir), { recursive: true });
  // The sample expectations pin alice's and claude-code's access, which the trials change on purpose.
  writeFileSync(path.join(root, 'policy/expectations.yaml'), 'expect:\n  - bob via support-assistant can read customer\n');
  const config = loadConfig({ cwd: root, env: {} });
  const env = { CLEARANCE_HOME: config.home, CLEARANCE_POLICY_DIR: config.policyDir, CLEARANCE_CORPORA_DIR: config.corporaDir, ...storeEnv };
  const world: World = { config, env, key: await loadOrCreateSigningKey(config.keysDir), base: 'v1', retried };
  await cli(world, ['ingest']);
  await cli(world, ['policy', 'apply', '--message', 'bench base version']);
  return world;
}

/** When a server logged each policy swap (its `clearance: policy.live` line), by the bench's clock. */
function swapTimes(child: ChildProcess): number[] {
  const times: number[] = [];
  let pending = '';
  child.stderr!.on('data', (d: Buffer) => {
    const lines = (pending + d.toString()).split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (line.startsWith('clearance: policy.live ')) times.push(performance.now());
  });
  return times;
}

/** One row's trials: per trial, the slower server's delay, the slower replica's swap and the duration of the call that refused. */
interface Sample {
  name: string;
  delays: number[];
  refusals: number;
  toSwap: number[];
  refusingCall: number[];
}

const sampleOf = (name: string): Sample => ({ name, delays: [], refusals: 0, toSwap: [], refusingCall: [] });

async function measure(world: World, replicas: number, trials: number, setup: string): Promise<Row[]> {
  const servers = await Promise.all(
    Array.from({ length: replicas }, (_, i) =>
      startServeProcess({
        ...world.env,
        CLEARANCE_REPLICA_ID: `revoke-r${i + 1}`,
        CLEARANCE_AUDIT_DIR: mkdtempSync(path.join(tmpdir(), 'clearance-bench-revoke-audit-')),
      }),
    ),
  );
  const swaps = servers.map((s) => swapTimes(s.child));
  const rows: Row[] = [];
  try {
    const urls = servers.map((s) => s.url);
    const { clients } = await openTask(urls, world);
    const allowed = async (open: Client[], since: Promise<number>, after: string) => {
      const each = await Promise.all(open.map((c) => untilAnswer(c, false, since)));
      if (!each.includes(undefined)) return;
      const states = open.map((c, i) => `replica ${i + 1}: ${each[i] === undefined ? `still ${lastAnswer.get(c) ?? 'no answer'}` : 'restored'}`);
      throw new Error(`${setup}: access not restored within ${TRIAL_LIMIT_MS} ms after ${after} (${states.join('; ')}); the next trial would measure nothing`);
    };
    await allowed(clients, Promise.resolve(performance.now()), 'start-up');
    const sampled: Sample[] = [];
    // Each row's trials on stderr as soon as they finish: a later abort keeps what was measured.
    const finish = (sample: Sample) => {
      sampled.push(sample);
      process.stderr.write(
        `revocation: ${setup}: ${sample.name}: ${sample.refusals} refusals, delays ms ${sample.delays.map((d) => round(d, 0)).join(' ')}${
          sample.toSwap.length ? `; to swap ms ${sample.toSwap.map((d) => round(d, 0)).join(' ')}` : ''
        }; refusing call ms ${sample.refusingCall.map((d) => round(d, 0)).join(' ')}\n`,
      );
    };
    const trial = async (open: Client[], exited: Promise<number>, into: Sample) => {
      const each = await Promise.all(open.map((c) => untilAnswer(c, true, exited)));
      // A server that never refused counts at the trial limit (a lower bound) and is missing from `refused`.
      const delays = each.map((a) => a?.delay ?? TRIAL_LIMIT_MS);
      const slower = delays.indexOf(Math.max(...delays));
      into.delays.push(delays[slower]!);
      // A server that never refused has no refusing call: the row's call figures are over the trials that had one.
      const call = each[slower]?.callMs;
      if (call !== undefined) into.refusingCall.push(call);
      into.refusals += each.filter((a) => a !== undefined).length;
    };
    // Baseline: the kill switch (whose watcher design the live policy follows), one fresh task per trial.
    const baseline = sampleOf('baseline: task killed (clearance kill)');
    for (let t = 0; t < trials; t++) {
      const task = await openTask(urls, world);
      await allowed(task.clients, Promise.resolve(performance.now()), `opening baseline task ${t + 1}`);
      await trial(task.clients, cli(world, ['kill', '--task', task.taskId, '--force', '--reason', 'revocation bench baseline']), baseline);
      await Promise.all(task.clients.map((c) => c.close()));
    }
    finish(baseline);
    for (const kind of kinds(world.config)) {
      const sample = sampleOf(kind.name);
      for (let t = 0; t < trials; t++) {
        const before = swaps.map((s) => s.length);
        const exited = kind.change(world);
        await trial(clients, exited, sample);
        // The slower replica's swap, from the same exit (negative: it swapped before the command exited).
        const exitAt = await exited;
        if (kind.swaps) sample.toSwap.push(Math.max(...swaps.map((s, i) => (s[before[i]!] ?? Number.NaN) - exitAt)));
        await allowed(clients, kind.restore(world), `undoing ${kind.name}, trial ${t + 1}`);
      }
      finish(sample);
    }
    const base = percentile(sampled[0]!.delays, 99);
    for (const { name, delays, refusals, toSwap, refusingCall } of sampled) {
      const p99 = percentile(delays, 99);
      rows.push({
        setup,
        change: name,
        trials: delays.length,
        refused: `${refusals}/${delays.length * replicas}`,
        'p50 ms': round(percentile(delays, 50), 0),
        'p95 ms': round(percentile(delays, 95), 0),
        'p99 ms': round(p99, 0),
        'max ms': round(Math.max(...delays), 0),
        'p99 / baseline': round(p99 / base, 2),
        'to swap p50 / p99 ms': toSwap.length ? `${round(percentile(toSwap, 50), 0)} / ${round(percentile(toSwap, 99), 0)}` : '',
        'refusing call p50 / p99 ms': refusingCall.length ? `${round(percentile(refusingCall, 50), 0)} / ${round(percentile(refusingCall, 99), 0)}` : '',
        'goal p99 < 2000 ms': p99 < 2000 ? 'met' : 'not met',
      });
    }
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    servers.forEach((s) => s.child.kill('SIGTERM'));
  }
  return rows;
}

/**
 * Revocation latency: how long after an access change's command exits a serving process under
 * steady calls refuses an already open session, for one process on a local store and for two
 * replicas over an S3-compatible store (s3rver on 127.0.0.1).
 */
export async function runRevocationBench(opts: { quick: boolean; trials?: number; replicasOnly?: boolean }): Promise<Row[]> {
  const trials = opts.trials ?? (opts.quick ? 3 : 20);
  const retried: string[] = [];
  const title = 'Revocation: access change committed by the CLI → refusal of an open session';
  const notes = () => [
    'Time from the command’s exit (after its commit) to the first refused answer of an already open session under steady fetch calls; with two replicas, the later of the two.',
    'Each trial is undone (policy rollback to the base version, or re-ingest of the original document) and the restored answer awaited before the next.',
    '"To swap": from the exit to the slower replica logging the new version in force (its `policy.live` line; negative: before the exit); the rest of the delay is the next call seeing it.',
    '"Refusing call": how long the call that gave the first refusal took, from its request to its answer (on the slower server).',
    'Baseline: `clearance kill --task` on the same servers in the same run (kill-switch watcher, 200 ms poll). Replicas read the store with a 1 s consistency interval.',
    ...retried.map((r) => `retried: ${r}`),
  ];
  const rows = opts.replicasOnly ? [] : await measure(await makeWorld({}, retried), 1, trials, '1 process, local folder');
  // Printed now too: a failure in the replica phase must not discard the first phase's trials.
  if (!opts.replicasOnly) report('revocation', `${title} (1 process)`, rows, notes());
  const s3 = await startLocalS3();
  try {
    const storeEnv = { ...s3.env, CLEARANCE_STORE_URI: `s3://${s3.bucket}/revocation`, CLEARANCE_READ_CONSISTENCY_SECONDS: '1' };
    rows.push(...(await measure(await makeWorld(storeEnv, retried), 2, trials, '2 replicas, S3-compatible')));
  } finally {
    await s3.close();
  }
  report('revocation', title, rows, notes());
  return rows;
}
