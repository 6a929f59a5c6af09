import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import S3rver, { type S3rverStore } from 's3rver';
import S3Error from 's3rver/lib/models/error.js';
import { PACKAGE_ROOT } from '../src/config/package.js';

/**
 * A throwaway S3-compatible server on 127.0.0.1 for tests and benchmarks (dev dependency s3rver),
 * run in its own process so callers may block (spawnSync) without stalling it. Plain s3rver has no
 * conditional writes; `makeSturdy` below adds them, so concurrent LanceDB writers are safe here as on
 * S3 (see docs/deployment.md).
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
 *    reads them (torn reads). Over a half-hour benchmark some requests failed. Here a write (PUT,
 *    COPY, DELETE) runs alone, reads (GET, HEAD, LIST) run together between writes, and a GET reads
 *    its content before the next write starts. A PUT's body is received before it waits for its
 *    turn, and its file is fully written when its turn ends. (putObjectMultipart calls putObject
 *    itself, so it is left as is.)
 * 2. Its putPart answers once the part has passed through its checksum stream, before the part's
 *    file is written, so completing a multipart upload (LanceDB uploads large data and index files in
 *    parts) could read a part that is still being written. Here a part's file is written, then answered.
 * 3. It ignores `If-None-Match: *`, which LanceDB sends on every manifest PUT so that two writers
 *    committing the same version conflict (and retry) instead of one silently overwriting the other.
 *    Here such a PUT of an existing key fails with 412, as on S3, checked in the same turn as the write.
 *
 * A failure other than a missing key or a client error is logged to stderr with the operation and
 * key, and every request that ends in a server error with its method and path, so that a 500 names
 * its cause.
 */
function makeSturdy(server: S3rver): void {
  const createOnly = new AsyncLocalStorage<boolean>();
  server.middleware.unshift((ctx, next) => createOnly.run(ctx.method === 'PUT' && ctx.get('if-none-match') === '*', next));
  const store = server.store;
  // A readers-writer queue: each write waits for every operation queued before it; each read waits
  // only for the last write queued before it.
  let lastWrite: Promise<unknown> = Promise.resolve();
  let readsSinceWrite: Promise<unknown>[] = [];
  const logged = (what: string, args: unknown[]) => (err: NodeJS.ErrnoException & { status?: number }) => {
    if (err?.code !== 'ENOENT' && !(err?.status && err.status < 500))
      process.stderr.write(`local S3 server: ${what}(${args.filter((a) => typeof a === 'string').join(', ')}) failed: ${err?.stack ?? String(err)}\n`);
  };
  const read = <T>(what: string, args: unknown[], run: () => Promise<T>): Promise<T> => {
    const result = lastWrite.then(run);
    readsSinceWrite.push(result.catch(logged(what, args)));
    return result;
  };
  const write = <T>(what: string, args: unknown[], run: () => Promise<T>): Promise<T> => {
    const result = Promise.all([lastWrite, ...readsSinceWrite]).then(run);
    readsSinceWrite = [];
    lastWrite = result.catch(logged(what, args));
    return result;
  };
  const original = {} as S3rverStore;
  for (const name of ['getObject', 'existsObject', 'copyObject', 'deleteObject', 'listObjects'] as const) original[name] = store[name].bind(store);
  for (const name of ['existsObject', 'listObjects'] as const) store[name] = (...args: unknown[]) => read(name, args, () => original[name](...args));
  for (const name of ['copyObject', 'deleteObject'] as const) store[name] = (...args: unknown[]) => write(name, args, () => original[name](...args));
  store.getObject = (...args: unknown[]) =>
    read('getObject', args, async () => {
      const object = (await original.getObject(...args)) as { content: Readable | null } | null;
      if (object?.content) object.content = Readable.from([Buffer.concat(await object.content.toArray())]);
      return object;
    });
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const bytes = Buffer.concat(await (content as Readable).toArray());
    const file = path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    const md5 = createHash('md5').update(bytes).digest('hex');
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, bytes);
      await writeFile(`${file}.md5`, md5);
    } catch (err) {
      logged('putPart', [bucket, uploadId, String(partNumber)])(err as NodeJS.ErrnoException);
      throw err;
    }
    return { size: bytes.length, md5 };
  };
  server.on('error', (err, ctx) => {
    if (!(err.status && err.status < 500))
      process.stderr.write(`local S3 server: ${ctx?.method ?? '?'} ${ctx?.path ?? '?'} answered ${err.status ?? 500}: ${err.stack ?? String(err)}\n`);
  });
  // s3rver's own putObject resolves before its file stream has finished writing: this one writes the
  // content and metadata fully inside the write's turn.
  store.putObject = async (put: unknown) => {
    const object = put as { bucket: string; key: string; metadata: Record<string, string>; content: Readable | Buffer };
    const bytes = Buffer.isBuffer(object.content) ? object.content : Buffer.concat(await object.content.toArray());
    return write('putObject', [object.bucket, object.key], async () => {
      if (createOnly.getStore() && (await original.existsObject(object.bucket, object.key)))
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
      const file = store.getResourcePath(object.bucket, object.key, 'object');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, bytes);
      const md5 = createHash('md5').update(bytes).digest('hex');
      await store.putMetadata(object.bucket, object.key, object.metadata, md5);
      return { size: bytes.length, md5 };
    });
  };
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
