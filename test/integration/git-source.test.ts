import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestCorpora } from '../../src/app/ingest.js';
import { openServer, type ServerRuntime } from '../../src/app/server.js';
import { connectAgent, tempWorld, type SearchResults } from '../helpers/world.js';

/**
 * A git repository as a source: files at a ref, each document's version led by its blob id and its
 * updated-at and author from the last commit that changed it; a new commit is fetched by the next ingest.
 */
const SOURCE = 'handbook-git';
const repo = mkdtempSync(path.join(tmpdir(), 'clearance-git-repo-'));
const gitIn = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }).trim();
const commit = (files: Record<string, string>, message: string, date: string, author = 'Ann') => {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(repo, name)), { recursive: true });
    writeFileSync(path.join(repo, name), text);
  }
  gitIn('add', '-A');
  execFileSync('git', ['commit', '-q', '-m', message], {
    cwd: repo,
    env: {
      ...process.env,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
      GIT_AUTHOR_NAME: author,
      GIT_AUTHOR_EMAIL: 'ann@example.test',
      GIT_COMMITTER_NAME: 'Ann',
      GIT_COMMITTER_EMAIL: 'ann@example.test',
    },
  });
};
let runtime: ServerRuntime;

beforeAll(async () => {
  gitIn('init', '-q', '-b', 'main');
  commit(
    { 'guide/parking.md': '# Parking\n\nThe car park code is WILLOW-SEVEN.\n', 'notes.txt': 'Lunch is at noon.\n', 'build.sh': 'echo no\n' },
    'first',
    '2026-03-01T10:00:00Z',
  );
  commit({ 'notes.txt': 'Lunch is at noon, in the atrium.\n' }, 'second', '2026-04-01T10:00:00Z');
  const config = tempWorld();
  mkdirSync(path.join(config.corporaDir, SOURCE));
  writeFileSync(
    path.join(config.corporaDir, SOURCE, 'corpus.yaml'),
    `id: ${SOURCE}\ntitle: Handbook (git)\ndata_class: internal\nowner: group:engineering\nread_acl: [group:engineering]\nfreshness: { max_age_days: 3650 }\ninclude: ["**/*.md", "**/*.txt"]\nsource: { kind: git, url: ${JSON.stringify(repo)}, ref: main }\n`,
  );
  runtime = await openServer(config);
});
afterAll(async () => {
  await runtime?.close();
  rmSync(repo, { recursive: true, force: true });
});

const storedDocs = async () =>
  Object.fromEntries(
    (await (await runtime.app.store.chunks()).rows(undefined, { select: ['doc_id', 'doc_version', 'doc_updated_at', 'doc_author', 'source'] }))
      .filter((r) => r.source === SOURCE)
      .map((r) => [r.doc_id, { version: r.doc_version, updated: r.doc_updated_at, author: r.doc_author }]),
  );
const blobOf = (file: string) => gitIn('rev-parse', `main:${file}`);

describe('a git repository as a source', () => {
  it('ingests the files at the ref, versioned by blob id, dated and attributed by history; a new commit is seen after re-ingest', async () => {
    const first = await ingestCorpora(runtime.app, { sources: [SOURCE] });
    expect(first.sources[0]!.error).toBeNull();
    expect(first.sources[0]!.skipped).toEqual([]);
    let docs = await storedDocs();
    expect(Object.keys(docs).sort()).toEqual([`${SOURCE}/guide/parking.md`, `${SOURCE}/notes.txt`]);
    expect(docs[`${SOURCE}/notes.txt`]!.version.startsWith(`${blobOf('notes.txt')}.`)).toBe(true);
    expect(new Date(docs[`${SOURCE}/guide/parking.md`]!.updated).toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(new Date(docs[`${SOURCE}/notes.txt`]!.updated).toISOString()).toBe('2026-04-01T10:00:00.000Z');
    expect(docs[`${SOURCE}/guide/parking.md`]!.author).toBe('Ann');

    commit({ 'guide/parking.md': '# Parking\n\nThe car park code is now HAZEL-NINE.\n' }, 'third', '2026-05-01T10:00:00Z', 'Bea');
    const second = await ingestCorpora(runtime.app, { sources: [SOURCE] });
    expect(second.sources[0]).toMatchObject({ error: null, embedded: 1, unchanged: 1 });
    docs = await storedDocs();
    expect(docs[`${SOURCE}/guide/parking.md`]!.version.startsWith(`${blobOf('guide/parking.md')}.`)).toBe(true);
    expect(new Date(docs[`${SOURCE}/guide/parking.md`]!.updated).toISOString()).toBe('2026-05-01T10:00:00.000Z');
    expect(docs[`${SOURCE}/guide/parking.md`]!.author).toBe('Bea');
    expect(docs[`${SOURCE}/notes.txt`]!.author).toBe('Ann');

    const agent = await connectAgent(runtime, 'alice', 'claude-code');
    try {
      const found = (await agent.call('search', { query: 'car park code', k: 5 })).structuredContent as SearchResults;
      const parking = found.results.find((r) => r.citation.doc_id === `${SOURCE}/guide/parking.md`);
      expect(parking?.text).toContain('HAZEL-NINE');
      expect(found.results.some((r) => r.text.includes('WILLOW-SEVEN'))).toBe(false);
      const fetched = (await agent.call('fetch', { id: `${SOURCE}/guide/parking.md` })).structuredContent as { document: { author: string | null } };
      expect(fetched.document.author).toBe('Bea');
    } finally {
      await agent.close();
    }
  });

  it('an unreachable repository fails the source only, says why, and keeps its last good version', async () => {
    const manifest = path.join(runtime.app.config.corporaDir, SOURCE, 'corpus.yaml');
    const before = await storedDocs();
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(JSON.stringify(repo), JSON.stringify(`${repo}-gone`)));
    const report = await ingestCorpora(runtime.app, { sources: [SOURCE] });
    expect(report.sources[0]!.error).toMatch(/^git .*-gone \(ref main\): /);
    expect(await storedDocs()).toEqual(before);
  });
});
