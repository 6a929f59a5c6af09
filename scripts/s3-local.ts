import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import S3rver, { type S3rverStore } from 's3rver';
import { PACKAGE_ROOT } from '../src/config/package.js';

/**
 * A throwaway S3-compatible server on 127.0.0.1 for tests and benchmarks (dev dependency s3rver),
 * run in its own process so callers may block (spawnSync) without stalling it. s3rver has no
 * conditional writes: fine for one writer at a time, unsafe for concurrent writers
 * (see docs/deployment.md).
 */
export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** LanceDB storage options for it (what the env below sets through CLEARANCE_STORAGE_*). */
  storageOptions: Record<string, string>;
  /** The environment that points Clearance (and LanceDB) at it: standard AWS variables plus endpoint. */
  env: Record<string, string>;
  close(): Promise<void>;
}

const BUCKET = 'clearance';

export async function startLocalS3(): Promise<LocalS3> {
  // The built script, also when called from sources under vitest (`npm test` builds first).
  const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist/scripts/s3-local.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`local S3 server exited (${code})`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  // Bounded requests: s3rver occasionally leaves a request unanswered, and LanceDB's client would
  // otherwise wait on it indefinitely; with a timeout it retries.
  const storageOptions = { endpoint, allow_http: 'true', timeout: '10s', connect_timeout: '5s', pool_idle_timeout: '2s' };
  return {
    endpoint,
    bucket: BUCKET,
    storageOptions,
    env: {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      ...Object.fromEntries(Object.entries(storageOptions).map(([k, v]) => [`CLEARANCE_STORAGE_${k.toUpperCase()}`, v])),
    },
    close: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

/**
 * s3rver's filesystem store races with itself under concurrent requests: a DELETE removes a key's
 * directory once empty while a PUT into it has just created it (the PUT fails: 500), and a LIST
 * stats entries that a concurrent DELETE has unlinked (500). LanceDB issues such requests
 * concurrently (writes, listing `_versions/`, cleanup), so over a half-hour benchmark some fail.
 * Running PUT, COPY, DELETE and LIST one at a time removes those races; GETs stay concurrent, and a
 * GET of a key deleted meanwhile is a plain 404. (putObjectMultipart calls putObject itself, so it
 * is left as is.)
 */
function serialiseStoreMutations(store: S3rverStore): void {
  let tail: Promise<unknown> = Promise.resolve();
  for (const name of ['putObject', 'copyObject', 'deleteObject', 'listObjects'] as const) {
    const original = store[name].bind(store);
    store[name] = (...args: unknown[]) => {
      const run = tail.then(() => original(...args));
      tail = run.catch(() => undefined);
      return run;
    };
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: mkdtempSync(path.join(tmpdir(), 'clearance-s3-')),
    configureBuckets: [{ name: BUCKET }],
  });
  serialiseStoreMutations(server.store);
  const { port } = await server.run();
  process.stdout.write(`listening ${port}\n`);
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
}
