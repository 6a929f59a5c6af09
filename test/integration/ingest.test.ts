import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Embedder } from '../../src/embed/embedder.js';
import { ingestAll } from '../../src/ingest/ingest.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { Store } from '../../src/store/store.js';
import type { Config } from '../../src/config/config.js';
import { CLI, cliEnv } from '../helpers/cli.js';
import { tempWorld } from '../helpers/world.js';

let embedder: Embedder;
beforeAll(async () => {
  embedder = await Embedder.load(tempWorld().modelDir, 'fp32');
});
afterAll(async () => embedder.dispose());

async function ingest(config: Config, sources?: string[], options: { removeMissing?: boolean } = {}) {
  const policy = await PolicyEngine.load(config.policyDir);
  const store = await Store.open(config);
  try {
    return await ingestAll({
      corporaDir: config.corporaDir,
      store,
      embedder,
      knownClasses: new Set(policy.classes.map((c) => c.id)),
      directory: policy,
      sources,
      ...options,
    });
  } finally {
    store.close();
  }
}

async function rows(config: Config, where?: string) {
  const store = await Store.open(config);
  const table = await store.chunks();
  const out = await (where ? table.raw.query().where(where) : table.raw.query()).toArray();
  store.close();
  return out;
}

const manifest = (config: Config, source: string) => path.join(config.corporaDir, source, 'corpus.yaml');
const reportOf = (r: Awaited<ReturnType<typeof ingest>>, source: string) => r.sources.find((s) => s.source === source)!;

describe('labelled ingest', () => {
  it('is idempotent, and every chunk span maps back to its document text exactly', async () => {
    const config = tempWorld();
    const first = await ingest(config);
    expect(first.docsEmbedded).toBe(43);
    const again = await ingest(config);
    expect(again.docsEmbedded).toBe(0);
    expect(again.chunksWritten).toBe(0);
    expect(again.tableVersion).toBe(first.tableVersion);
    const md = readFileSync(path.join(config.corporaDir, 'postmortems/inc-2041-postmortem.md'), 'utf8');
    const body = md.slice(md.indexOf('---', 3) + 4);
    for (const row of await rows(config, "doc_id = 'postmortems/inc-2041-postmortem.md'")) {
      expect(body.slice(row.span_start, row.span_end)).toBe(row.text);
    }
    const vip = await rows(config, "doc_id = 'customer-tickets/T-5112'");
    expect(Array.from(vip[0]!.acl_doc)).toEqual(['user:bob']);
    const prod = await rows(config, "doc_id = 'runbooks/prod-database.md'");
    expect(Array.from(prod[0]!.acl_doc)).toEqual(['group:sre']);
    // HTML is stripped of scripts, styles and navigation.
    const status = await rows(config, "source = 'status-page'");
    expect(status.map((r) => r.text).join(' ')).not.toMatch(/analytics|Subscribe|font-family/);
  });

  it('replaces a changed document, deletes a removed one, and relabels without re-embedding', async () => {
    const config = tempWorld();
    await ingest(config);
    const file = path.join(config.corporaDir, 'eng-docs/on-call-guide.md');
    writeFileSync(file, readFileSync(file, 'utf8') + '\nNew paragraph: page the incident commander for every SEV-1.\n');
    rmSync(path.join(config.corporaDir, 'eng-docs/logging-guidelines.md'));
    const before = await rows(config, "doc_id = 'eng-docs/on-call-guide.md'");
    const changed = await ingest(config);
    expect(reportOf(changed, 'eng-docs')).toMatchObject({ embedded: 1, deleted: 1 });
    const after = await rows(config, "doc_id = 'eng-docs/on-call-guide.md'");
    expect(new Set(after.map((r) => r.doc_version)).size).toBe(1);
    expect(after[0]!.doc_version).not.toBe(before[0]!.doc_version);
    expect(await rows(config, "doc_id = 'eng-docs/logging-guidelines.md'")).toHaveLength(0);

    // Narrow the source ACL: labels change, vectors are kept, nothing is embedded.
    writeFileSync(
      manifest(config, 'eng-docs'),
      readFileSync(manifest(config, 'eng-docs'), 'utf8').replace(
        'read_acl: [group:engineering, group:sre, group:security]',
        'read_acl: [group:engineering, group:sre]',
      ),
    );
    const vectorBefore = Array.from((await rows(config, "doc_id = 'eng-docs/checkout-architecture.md'"))[0]!.vector as Float32Array);
    const relabel = await ingest(config);
    expect(reportOf(relabel, 'eng-docs')).toMatchObject({ embedded: 0, relabelled: 3 });
    const relabelled = (await rows(config, "doc_id = 'eng-docs/checkout-architecture.md'"))[0]!;
    expect(Array.from(relabelled.acl_source)).toEqual(['group:engineering', 'group:sre']);
    expect(Array.from(relabelled.vector as Float32Array)).toEqual(vectorBefore);

    // A source folder gone (deleted, or an unmounted share) is reported and kept: removal is explicit.
    const dsrChunks = (await rows(config, "source = 'dsr-requests'")).length;
    expect(dsrChunks).toBeGreaterThan(0);
    rmSync(path.join(config.corporaDir, 'dsr-requests'), { recursive: true });
    const missing = await ingest(config);
    expect(missing).toMatchObject({ missingSources: ['dsr-requests'], removedSources: [] });
    expect(await rows(config, "source = 'dsr-requests'")).toHaveLength(dsrChunks);
    // Only a pass over every folder can tell a folder is missing: a selected run reports nothing.
    expect((await ingest(config, ['runbooks'])).missingSources).toEqual([]);
    const removed = await ingest(config, undefined, { removeMissing: true });
    expect(removed).toMatchObject({ missingSources: [], removedSources: ['dsr-requests'] });
    expect(await rows(config, "source = 'dsr-requests'")).toHaveLength(0);
    expect((await ingest(config)).missingSources).toEqual([]);
  });

  it('bad manifests fail that source with a clear error and keep its last good version', async () => {
    const config = tempWorld();
    await ingest(config);
    const count = (await rows(config, "source = 'runbooks'")).length;
    const original = readFileSync(manifest(config, 'runbooks'), 'utf8');
    const cases: [string, RegExp][] = [
      [original.replace('data_class: internal', 'data_class: secret'), /data_class: unknown data class "secret"; use one of/],
      [original.replace('owner: user:frank\n', ''), /owner: .*\(add this field\)/],
      [original.replace('read_acl: [group:engineering, group:sre, group:security]', 'read_acl: []'), /read_acl: an ACL must name at least one principal/],
      [original.replace('include: ["**/*.md"]', 'include: ["../**/*.md"]'), /globs must stay inside the corpus folder/],
      [original.replace('freshness: { max_age_days: 365 }', 'freshness: {}'), /freshness/],
      [original + 'colour: blue\n', /colour.*remove it or check its spelling/],
      [original.replace('read_acl: [group:sre]', 'read_acl: ["group:sre\' OR 1=1"]'), /overrides\.0\.read_acl\.0: must be "\*", "user:<id>" or "group:<id>"/],
    ];
    for (const [text, error] of cases) {
      writeFileSync(manifest(config, 'runbooks'), text);
      const report = reportOf(await ingest(config), 'runbooks');
      expect(report.error).toMatch(error);
      expect(report.error).toMatch(/corpus\.yaml/);
      expect(await rows(config, "source = 'runbooks'")).toHaveLength(count);
    }
  });

  it('documents may only narrow access; unsafe files are reported skips', async () => {
    const config = tempWorld();
    const dir = path.join(config.corporaDir, 'runbooks');
    writeFileSync(path.join(dir, 'widen.md'), '---\nread_acl: ["*"]\n---\n# Widen\nTrying to publish an internal runbook.\n');
    writeFileSync(path.join(dir, 'reclass.md'), '---\ndata_class: public\n---\n# Reclass\nTrying to make this public.\n');
    writeFileSync(path.join(dir, 'narrow.md'), '---\ndata_class: security\nread_acl: [group:security]\n---\n# Narrow\nSecurity-only note.\n');
    writeFileSync(path.join(dir, 'empty.md'), '   \n');
    writeFileSync(path.join(dir, 'binary.md'), Buffer.from([0x23, 0x20, 0x00, 0x01, 0x02]));
    writeFileSync(path.join(dir, 'latin1.md'), Buffer.from([0x23, 0x20, 0xe9, 0xe8, 0x0a]));
    writeFileSync(path.join(dir, 'huge.md'), 'x'.repeat(3 * 1024 * 1024));
    writeFileSync(path.join(config.home, '..', 'outside.md'), '# Outside\nsecret from outside the corpus\n');
    symlinkSync(path.join(config.home, '..', 'outside.md'), path.join(dir, 'link.md'));
    mkdirSync(path.join(config.corporaDir, 'customer-tickets'), { recursive: true });
    writeFileSync(
      path.join(config.corporaDir, 'customer-tickets/more.jsonl'),
      '{"id":"T-1","title":"a","text":"x"}\n{"id":"T-1","title":"dup","text":"y"}\nnot json\n{"id":"T-2","text":""}\n{"id":"T-3","text":"z","read_acl":["*"]}\n',
    );
    const report = await ingest(config);
    const skips = [...reportOf(report, 'runbooks').skipped, ...reportOf(report, 'customer-tickets').skipped].map((s) => `${s.path}: ${s.reason}`).join('\n');
    expect(skips).toMatch(/widen\.md: .*would widen access/);
    expect(skips).toMatch(/reclass\.md: .*would widen access/);
    expect(skips).toMatch(/empty\.md: empty document/);
    expect(skips).toMatch(/binary\.md: binary file/);
    expect(skips).toMatch(/latin1\.md: not valid UTF-8/);
    expect(skips).toMatch(/huge\.md: larger than 2 MB/);
    expect(skips).toMatch(/link\.md: symlink pointing outside/);
    expect(skips).toMatch(/more\.jsonl:2: duplicate id "T-1"/);
    expect(skips).toMatch(/more\.jsonl:3: not a JSON object/);
    expect(skips).toMatch(/more\.jsonl:4: field "text"/);
    expect(skips).toMatch(/T-3.*would widen access/);
    const narrow = await rows(config, "doc_id = 'runbooks/narrow.md'");
    expect(narrow[0]).toMatchObject({ data_class: 'security' });
    expect(await rows(config, "doc_id IN ('runbooks/widen.md', 'runbooks/reclass.md', 'runbooks/link.md')")).toHaveLength(0);
  });

  it('kill -9 mid-ingest leaves the previous version queryable; a re-run completes with no duplicate or orphan chunks', async () => {
    const config = tempWorld();
    await ingest(config);
    const versions = new Map((await rows(config)).map((r) => [r.doc_id as string, r.doc_version as string]));
    // Change every document, then kill the ingest once it has committed some of them.
    for (const source of ['eng-docs', 'postmortems', 'runbooks', 'public-docs', 'security-reviews', 'business-workflows']) {
      const dir = path.join(config.corporaDir, source);
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.md'))) {
        writeFileSync(path.join(dir, name), readFileSync(path.join(dir, name), 'utf8') + `\nRevised after review ${source}.\n`);
      }
    }
    const child = spawn(process.execPath, [CLI, 'ingest'], { env: cliEnv(config), stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => /eng-docs|business-workflows|postmortems/.test(d.toString()) && resolve());
      child.once('exit', () => resolve());
    });
    // The child may already have finished (a fast machine): never wait for an exit that happened.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    // Every document is either fully old or fully new, and queryable.
    const mid = await rows(config);
    const byDoc = new Map<string, Set<string>>();
    for (const r of mid) byDoc.set(r.doc_id, (byDoc.get(r.doc_id) ?? new Set()).add(r.doc_version));
    for (const [doc, v] of byDoc) expect(v.size, doc).toBe(1);
    expect(new Set(byDoc.keys())).toEqual(new Set(versions.keys()));
    const rerun = await ingest(config);
    expect(rerun.sources.every((s) => !s.error)).toBe(true);
    const final = await rows(config);
    const ids = final.map((r) => r.chunk_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await ingest(config)).docsEmbedded).toBe(0);
  });
});
