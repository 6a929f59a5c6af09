import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/ingest/manifest.js';

const CLASSES = new Set(['internal']);
const BASE = 'id: s\ntitle: S\ndata_class: internal\nowner: group:eng\nread_acl: ["*"]\nfreshness: { max_age_days: 30 }\n';

async function load(source: string, include = '["**/*.md"]') {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'clearance-spec-')), 's');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'corpus.yaml'), `${BASE}include: ${include}\nsource: ${source}\n`);
  return loadManifest(dir, CLASSES);
}

describe('the source key of corpus.yaml', () => {
  it('accepts each kind, with its defaults', async () => {
    expect((await load('{ kind: postgres, query: "SELECT 1", columns: { id: id, text: t } }', '["**/*.jsonl"]')).source).toMatchObject({
      connection_env: 'DATABASE_URL',
    });
    expect((await load('{ kind: git, url: ../repo }')).source).toMatchObject({ ref: 'HEAD' });
    expect((await load('{ kind: s3, uri: "s3://bucket/prefix/" }')).source).toMatchObject({ kind: 's3' });
  });

  it('refuses a secret in clear, an argument git would read as an option, and a bad bucket URI, naming the field', async () => {
    await expect(load('{ kind: postgres, connection_env: "postgres://u:pw@h/db", query: "SELECT 1", columns: { id: id, text: t } }')).rejects.toThrow(
      /source\.connection_env.*environment variable/,
    );
    await expect(load('{ kind: git, url: "--upload-pack=touch x" }')).rejects.toThrow(/source\.url.*must not start with "-"/);
    await expect(load('{ kind: git, url: ../repo, ref: "-x" }')).rejects.toThrow(/source\.ref/);
    await expect(load('{ kind: s3, uri: "https://bucket/prefix" }')).rejects.toThrow(/source\.uri.*s3:\/\//);
    await expect(load('{ kind: ftp }')).rejects.toThrow(/source/);
  });
});
