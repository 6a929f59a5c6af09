import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import S3rver, { type S3rverStore } from 's3rver';
import S3Error from 's3rver/lib/models/error.js';
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
 * Two fixes that make s3rver behave like S3 under LanceDB's concurrent requests.
 *
 * 1. Its filesystem store races with itself: a DELETE removes a key's directory once empty while a
 *    PUT into it has just created it (the PUT fails: 500); a LIST stats entries that a concurrent
 *    DELETE has unlinked (500); a PUT rewrites a key's file and metadata in place while a GET or LIST
 *    reads them (torn reads). Over a half-hour benchmark some requests failed. Here every store
 *    operation runs one at a time, and a GET reads its content before the next one starts.
 *    (putObjectMultipart calls putObject itself, so it is left as is.)
 * 2. It ignores `If-None-Match: *`, which LanceDB sends on every manifest PUT so that two writers
 *    committing the same version conflict (and retry) instead of one silently overwriting the other.
 *    Here such a PUT of an existing key fails with 412, as on S3, checked inside the same turn as
 *    the write.
 *
 * A failure other than a missing key is logged to stderr with the operation and key, so that a 500
 * names its cause.
 */
function makeSturdy(server: S3rver): void {
  const createOnly = new AsyncLocalStorage<boolean>();
  server.middleware.unshift((ctx, next) => createOnly.run(ctx.method === 'PUT' && ctx.get('if-none-match') === '*', next));
  const store = server.store;
  let tail: Promise<unknown> = Promise.resolve();
  const serially = <T>(what: string, args: unknown[], run: () => Promise<T>): Promise<T> => {
    const result = tail.then(run);
    tail = result.catch((err: NodeJS.ErrnoException & { status?: number }) => {
      if (err?.code !== 'ENOENT' && !(err?.status && err.status < 500))
        process.stderr.write(`local S3 server: ${what}(${args.filter((a) => typeof a === 'string').join(', ')}) failed: ${err?.stack ?? String(err)}\n`);
    });
    return result;
  };
  const original = {} as S3rverStore;
  for (const name of ['getObject', 'existsObject', 'putObject', 'copyObject', 'deleteObject', 'listObjects'] as const) original[name] = store[name].bind(store);
  for (const name of ['existsObject', 'copyObject', 'deleteObject', 'listObjects'] as const) {
    store[name] = (...args: unknown[]) => serially(name, args, () => original[name](...args));
  }
  store.putObject = (object: unknown) => {
    const { bucket, key } = object as { bucket: string; key: string };
    return serially('putObject', [bucket, key], async () => {
      if (createOnly.getStore() && (await original.existsObject(bucket, key)))
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
      return original.putObject(object);
    });
  };
  store.getObject = (...args: unknown[]) =>
    serially('getObject', args, async () => {
      const object = (await original.getObject(...args)) as { content: Readable | null } | null;
      if (object?.content) object.content = Readable.from([Buffer.concat(await object.content.toArray())]);
      return object;
    });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: mkdtempSync(path.join(tmpdir(), 'clearance-s3-')),
    configureBuckets: [{ name: BUCKET }],
  });
  makeSturdy(server);
  const { port } = await server.run();
  process.stdout.write(`listening ${port}\n`);
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
}
