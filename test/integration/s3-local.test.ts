import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../scripts/s3-local.js';

/**
 * The benchmarks' and tests' local S3 server must not answer 500 to LanceDB's concurrent writes,
 * deletes and lists in one prefix (s3rver's own store races: see serialiseStoreMutations).
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
});
