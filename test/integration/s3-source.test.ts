import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestCorpora } from '../../src/app/ingest.js';
import { openServer, type ServerRuntime } from '../../src/app/server.js';
import { startLocalS3, type LocalS3 } from '../../scripts/s3-local.js';
import { connectAgent, tempWorld, type SearchResults } from '../helpers/world.js';

/** An S3-compatible prefix as a source, on the local S3 server of the scale-out tests (s3rver on 127.0.0.1). */
const SOURCE = 'handbook-s3';
let s3: LocalS3;
let client: S3Client;
let runtime: ServerRuntime;
const put = (key: string, body: string) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));

beforeAll(async () => {
  s3 = await startLocalS3();
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) process.env[name] = s3.env[name];
  client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });
  await put('docs/handbook/parking.md', '# Parking\n\nThe car park code is MAPLE-FOUR.\n');
  await put('docs/handbook/sub/lunch.txt', 'Lunch is at noon.\n');
  await put('docs/handbook/tool.exe', 'not selected');
  await put('docs/other/secret.md', '# Not under the prefix\n\nOUTSIDE-PREFIX.\n');
  const config = tempWorld();
  mkdirSync(path.join(config.corporaDir, SOURCE));
  const options = JSON.stringify({ endpoint: s3.endpoint, allow_http: 'true' });
  writeFileSync(
    path.join(config.corporaDir, SOURCE, 'corpus.yaml'),
    `id: ${SOURCE}\ntitle: Handbook (S3)\ndata_class: internal\nowner: group:engineering\nread_acl: [group:engineering]\nfreshness: { max_age_days: 3650 }\ninclude: ["**/*.md", "**/*.txt"]\nsource: { kind: s3, uri: "s3://${s3.bucket}/docs/handbook", storage_options: ${options} }\n`,
  );
  runtime = await openServer(config);
});
afterAll(async () => {
  await runtime?.close();
  client?.destroy();
  await s3?.close();
});

const storedDocs = async () =>
  Object.fromEntries(
    (await (await runtime.app.store.chunks()).rows(undefined, { select: ['doc_id', 'doc_version', 'source'] }))
      .filter((r) => r.source === SOURCE)
      .map((r) => [r.doc_id, r.doc_version]),
  );

describe('an S3-compatible prefix as a source', () => {
  it('ingests the selected objects under the prefix; a changed object is seen after re-ingest', async () => {
    const first = await ingestCorpora(runtime.app, { sources: [SOURCE] });
    expect(first.sources[0]).toMatchObject({ error: null, skipped: [], embedded: 2 });
    expect(Object.keys(await storedDocs()).sort()).toEqual([`${SOURCE}/parking.md`, `${SOURCE}/sub/lunch.txt`]);

    await put('docs/handbook/parking.md', '# Parking\n\nThe car park code is now CEDAR-TWO.\n');
    const second = await ingestCorpora(runtime.app, { sources: [SOURCE] });
    expect(second.sources[0]).toMatchObject({ error: null, embedded: 1, unchanged: 1 });
    const agent = await connectAgent(runtime, 'alice', 'claude-code');
    try {
      const found = (await agent.call('search', { query: 'car park code', k: 5 })).structuredContent as SearchResults;
      expect(found.results.find((r) => r.citation.doc_id === `${SOURCE}/parking.md`)?.text).toContain('CEDAR-TWO');
      expect(found.results.some((r) => /MAPLE-FOUR|OUTSIDE-PREFIX/.test(r.text))).toBe(false);
    } finally {
      await agent.close();
    }
  });

  it('a missing bucket fails the source only, says why, and keeps its last good version', async () => {
    const manifest = path.join(runtime.app.config.corporaDir, SOURCE, 'corpus.yaml');
    const before = await storedDocs();
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(`s3://${s3.bucket}/`, 's3://no-such-bucket/'));
    const report = await ingestCorpora(runtime.app, { sources: [SOURCE] });
    expect(report.sources[0]!.error).toMatch(/^S3 s3:\/\/no-such-bucket\/docs\/handbook: NoSuchBucket/);
    expect(await storedDocs()).toEqual(before);
  });
});
