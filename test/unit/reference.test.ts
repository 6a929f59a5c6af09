import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { listFiles, writeReference } from '../../scripts/reference/generate.js';
import { REPO } from '../helpers/world.js';

const CHECKED_IN = path.join(REPO, 'docs/reference');
const out = mkdtempSync(path.join(tmpdir(), 'clearance-reference-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('docs/reference (generated from the zod schemas)', () => {
  const generated = writeReference(out);

  it('is up to date: run `npm run reference` and commit docs/reference when this fails', () => {
    expect(listFiles(CHECKED_IN)).toEqual(generated);
    for (const file of generated) {
      expect(readFileSync(path.join(CHECKED_IN, file), 'utf8'), `docs/reference/${file} differs from the schemas`).toBe(
        readFileSync(path.join(out, file), 'utf8'),
      );
    }
  });

  it('documents every key with a description', () => {
    for (const page of ['config.md', 'corpus.md', 'jsonl.md', 'front-matter.md', 'classes.md', 'server.md']) {
      const rows = readFileSync(path.join(out, page), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('| `'));
      expect(rows.length, page).toBeGreaterThan(0);
      for (const row of rows) expect(row.trimEnd().endsWith('|  |'), `${page}: ${row.split('|')[1]} has no description`).toBe(false);
    }
    const config = readFileSync(path.join(out, 'config.md'), 'utf8');
    for (const key of ['home', 'storeUri', 'quotas.sessionsPerGrant', 'quotas.pendingRequestsPerHuman']) expect(config).toContain(`| \`${key}\` |`);
  });

  it('publishes JSON Schemas that accept the sample files and reject a typo', () => {
    const ajv = new Ajv2020({ strict: false });
    const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
    const schema = (name: string) => {
      if (!compiled.has(name)) compiled.set(name, ajv.compile(JSON.parse(readFileSync(path.join(out, 'schemas', `${name}.schema.json`), 'utf8')) as object));
      return compiled.get(name)!;
    };
    const yaml = (rel: string) => parseYaml(readFileSync(path.join(REPO, rel), 'utf8')) as unknown;
    const corpus = schema('corpus');
    for (const source of ['eng-docs', 'customer-tickets', 'runbooks', 'dsr-requests']) expect(corpus(yaml(`corpora/${source}/corpus.yaml`)), source).toBe(true);
    expect(schema('classes')(yaml('policy/classes.yaml'))).toBe(true);
    expect(schema('server')(yaml('policy/server.yaml'))).toBe(true);
    expect(schema('config')({ home: '.clearance', httpPort: 9000, quotas: { sessionsPerGrant: 2 } })).toBe(true);
    expect(corpus({ ...(yaml('corpora/eng-docs/corpus.yaml') as object), read_acls: ['*'] })).toBe(false);
    expect(schema('config')({ htpPort: 1 })).toBe(false);
  });
});
