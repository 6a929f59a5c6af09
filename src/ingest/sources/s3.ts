import type { S3Client } from '@aws-sdk/client-s3';
import { fileFromBytes, selector, sizeLimit, unsafeName } from '../discover.js';
import { inertLine } from '../../views/inert.js';
import type { CorpusManifest } from '../manifest.js';
import type { S3Source } from './spec.js';
import { SourceUnavailable, type PullContext, type Pulled } from './source.js';

/** The same object-store option names as the store's (LanceDB's), for the AWS SDK client. */
async function clientFor(options: Record<string, string>): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const get = (...names: string[]) => names.map((n) => options[n]).find((v) => v !== undefined);
  const endpoint = get('endpoint', 'aws_endpoint');
  const accessKeyId = get('aws_access_key_id', 'access_key_id');
  const secretAccessKey = get('aws_secret_access_key', 'secret_access_key');
  return new S3Client({
    endpoint,
    region: get('region', 'aws_region') ?? process.env.AWS_REGION ?? 'us-east-1',
    // S3-compatible servers on an endpoint mostly want path-style URLs, as LanceDB sends by default.
    forcePathStyle: get('virtual_hosted_style_request') !== 'true',
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, sessionToken: get('aws_session_token', 'session_token') } } : {}),
    maxAttempts: 3,
  });
}

/**
 * The objects under an S3-compatible prefix, selected by include/exclude on their keys relative to
 * the prefix. Each object's version is its ETag and its updated-at its LastModified. Listing or
 * reading failures (unreachable, bad credentials, no such bucket) throw: the source keeps its last good version.
 */
export async function pullS3(spec: S3Source, manifest: CorpusManifest, context: PullContext): Promise<Pulled> {
  const [, bucket, rawPrefix = ''] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(spec.uri)!;
  const prefix = rawPrefix && !rawPrefix.endsWith('/') ? `${rawPrefix}/` : rawPrefix;
  const { GetObjectCommand, paginateListObjectsV2 } = await import('@aws-sdk/client-s3');
  const client = await clientFor(spec.storage_options ?? context.storageOptions);
  const selected = selector(manifest);
  const pulled: Pulled = { files: [], docs: [], skips: [] };
  try {
    for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        const rel = object.Key!.slice(prefix.length);
        if (!rel || rel.endsWith('/') || !selected(rel)) continue;
        if (unsafeName(rel)) pulled.skips.push({ path: inertLine(rel), reason: 'unsafe name: control, line-break or bidi characters' });
        else if ((object.Size ?? 0) > sizeLimit(rel)) pulled.skips.push({ path: rel, reason: `larger than ${sizeLimit(rel) / 1024 / 1024} MB` });
        else {
          const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
          const bytes = Buffer.from(await got.Body!.transformToByteArray());
          const file = fileFromBytes(rel, bytes, (object.LastModified ?? new Date(0)).toISOString());
          if ('reason' in file) pulled.skips.push({ path: rel, reason: file.reason });
          else pulled.files.push({ ...file, version: (got.ETag ?? object.ETag ?? '').replaceAll('"', '') || undefined });
        }
      }
    }
  } catch (err) {
    throw new SourceUnavailable(`S3 ${spec.uri}: ${inertLine(`${(err as Error).name}: ${(err as Error).message}`)}`);
  } finally {
    client.destroy();
  }
  return pulled;
}
