import { createHash, randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../scripts/s3-local.js';

/**
 * The benchmarks' and tests' local S3 server must not answer 500 to LanceDB's concurrent writes,
 * deletes and lists in one prefix (s3rver's own store races), and must refuse a manifest PUT
 * with `If-None-Match: *` of an existing key, as S3 does: see makeSturdy in scripts/s3-local.ts.
 * The two-replica revocation runs aborted on exactly these 500s.
 */
describe('local S3 server', () => {
  let s3: LocalS3;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startLocalS3();
    client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      maxAttempts: 1, // a 500 must fail the test, not be retried away
    });
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.close();
  });

  it('answers concurrent PUT, DELETE and LIST in one prefix without a server error', async () => {
    const Bucket = s3.bucket;
    const failures: string[] = [];
    const record = (what: string) => (err: unknown) => void failures.push(`${what}: ${String(err)}`);
    for (let round = 0; round < 40; round++) {
      // Each round empties a directory (DELETE removes it) while PUTs recreate it and LISTs walk it.
      const keys = Array.from({ length: 6 }, (_, i) => `t/_versions/r${round % 2}-${i}.manifest`);
      await Promise.all(keys.map((Key) => client.send(new PutObjectCommand({ Bucket, Key, Body: 'x'.repeat(512) })).catch(record('put'))));
      await Promise.all([
        ...keys.map((Key) => client.send(new DeleteObjectCommand({ Bucket, Key })).catch(record('delete'))),
        ...keys.map((Key) => client.send(new PutObjectCommand({ Bucket, Key: `${Key}.next`, Body: 'y' })).catch(record('put'))),
        ...keys.map(() => client.send(new ListObjectsV2Command({ Bucket, Prefix: 't/_versions/' })).catch(record('list'))),
      ]);
      await Promise.all(keys.map((Key) => client.send(new DeleteObjectCommand({ Bucket, Key: `${Key}.next` })).catch(record('delete'))));
    }
    expect(failures).toEqual([]);
    const left = await client.send(new ListObjectsV2Command({ Bucket, Prefix: 't/' }));
    expect(left.KeyCount ?? 0).toBe(0);
  });

  it('a multipart upload completed as soon as its parts are answered holds every byte of every part', async () => {
    // s3rver answers a part when its checksum stream ends, which may precede the end of the file write;
    // completing the upload could then read a short part (not seen here: a check that parts arrive whole).
    const Bucket = s3.bucket;
    for (let round = 0; round < 4; round++) {
      const Key = `t/data/multipart-${round}.lance`;
      const parts = [randomBytes(5 * 1024 * 1024), randomBytes(5 * 1024 * 1024), randomBytes(1024 * 1024)];
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
      const uploaded = await Promise.all(
        parts.map(async (Body, i) => ({
          PartNumber: i + 1,
          ETag: (await client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }))).ETag,
        })),
      );
      await client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: uploaded } }));
      const stored = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToByteArray());
      const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      expect({ length: stored.length, sha256: digest(stored) }).toEqual({ length: 11 * 1024 * 1024, sha256: digest(Buffer.concat(parts)) });
      await client.send(new DeleteObjectCommand({ Bucket, Key }));
    }
  });

  it('a GET during an overwrite of the same key returns the old or the new object whole', async () => {
    const Bucket = s3.bucket;
    const Key = 't/_latest.manifest';
    const versions = ['a', 'b', 'c', 'd'].map((c) => c.repeat(256 * 1024));
    await client.send(new PutObjectCommand({ Bucket, Key, Body: versions[0] }));
    const seen: string[] = [];
    for (let round = 0; round < 10; round++) {
      await Promise.all([
        ...versions.map((Body) => client.send(new PutObjectCommand({ Bucket, Key, Body }))),
        ...Array.from({ length: 8 }, async () => {
          const text = await (await client.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();
          seen.push(versions.includes(text) ? 'whole' : `torn (${text.length} bytes)`);
        }),
      ]);
    }
    expect(new Set(seen)).toEqual(new Set(['whole']));
  });

  it('concurrent LanceDB writers to one table keep every row (a manifest PUT with If-None-Match: * of an existing version is refused)', async () => {
    const options = { storageOptions: { ...s3.storageOptions, aws_access_key_id: 'S3RVER', aws_secret_access_key: 'S3RVER', region: 'us-east-1' } };
    const uri = `s3://${s3.bucket}/writers`;
    await (await lancedb.connect(uri, options)).createTable('t', [{ writer: -1, n: -1 }]);
    const WRITERS = 4;
    const ROWS = 12;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        const table = await (await lancedb.connect(uri, options)).openTable('t');
        for (let n = 0; n < ROWS; n++) await table.add([{ writer, n }]);
      }),
    );
    const table = await (await lancedb.connect(uri, options)).openTable('t');
    expect(await table.countRows()).toBe(1 + WRITERS * ROWS);
  });
});
