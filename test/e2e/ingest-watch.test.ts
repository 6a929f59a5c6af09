import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditRecords } from '../../src/audit/reader.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { CLI, cliEnv, runCli, startHttpServer } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { REPO, type SearchResults } from '../helpers/world.js';
import { TestClient } from '../helpers/mcp-client.js';

/**
 * A real `clearance ingest --watch` and a real `clearance serve --http`, two processes on one store:
 * edits to the corpora folder reach MCP answers without a manual ingest, and a narrowing is never
 * late relative to the content it accompanies.
 */
let config: Config;
let watcher: ChildProcess;
let watcherStderr = '';
let server: { url: string; child: ChildProcess };
let alice: Client; // engineering: reads `eng`, but not what is narrowed to SRE
let frank: Client; // SRE: reads `eng`, including what is narrowed to SRE

const ENG = ['group:engineering', 'group:sre', 'group:security'];
const manifest = (acl: string[]) =>
  `id: eng\ntitle: Engineering notes\ndata_class: internal\nowner: user:alice\nread_acl: ${JSON.stringify(acl)}\nfreshness: { max_age_days: 3650 }\ninclude: ["**/*.md"]\n`;
const doc = (title: string, body: string, acl?: string[]) =>
  `---\ntitle: "${title}"\nupdated: 2026-11-20\n${acl ? `read_acl: ${JSON.stringify(acl)}\n` : ''}---\n# ${title}\n\n${body}\n`;
const engFile = (name: string) => path.join(config.corporaDir, 'eng', name);
// Writes go through a temp file and a rename, as editors save: the watcher never reads half a file.
const write = (file: string, text: string) => {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
};

const token = async (human: string, agent: string) => {
  const r = await runCli(config, ['task', 'start', '--owner', human, '--agent', agent, '--purpose', 'watch e2e', '--token-only']);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
};
async function connect(bearer: string): Promise<Client> {
  const client = new TestClient({ name: 'e2e-watch', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } }));
  return client;
}
/** Every text the reader's search returns for the words (the world is small: k covers all of it). */
const texts = async (client: Client, query: string): Promise<string[]> => {
  const r = await client.callTool({ name: 'search', arguments: { query, k: 50, mode: 'vector', reason: 'watch e2e' } });
  expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
  return (r.structuredContent as unknown as SearchResults).results.map((x) => x.text);
};
const sees = async (client: Client, word: string) => (await texts(client, word)).some((t) => t.includes(word));
const within = { timeoutMs: 60_000, intervalMs: 100 };

/**
 * How long each change took to show through MCP, printed after the run (issue 20's goal: within 5 s).
 * Reported, not asserted: on a busy machine it is slower, not wrong; the 60 s limit is a safety net.
 */
const latencies: { what: string; ms: number }[] = [];
async function shows<T>(what: string, probe: () => T | Promise<T>, since: number): Promise<void> {
  await waitFor(probe, { ...within, what });
  latencies.push({ what, ms: performance.now() - since });
}

beforeAll(async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-watch-'));
  cpSync(path.join(REPO, 'policy'), path.join(root, 'policy'), { recursive: true });
  config = loadConfig({ cwd: root, env: {} });
  mkdirSync(path.join(config.corporaDir, 'eng'), { recursive: true });
  writeFileSync(path.join(config.corporaDir, 'eng', 'corpus.yaml'), manifest(ENG));
  writeFileSync(engFile('queue.md'), doc('Queue notes', 'The retry queue drains every minute. marker-original-queue'));
  writeFileSync(engFile('shared.md'), doc('Shared notes', 'Timeouts are set per index. marker-shared-v1'));

  watcher = spawn(process.execPath, [CLI, 'ingest', '--watch', '--debounce', '200ms'], { env: cliEnv(config), stdio: ['ignore', 'pipe', 'pipe'] });
  watcher.stderr!.on('data', (d: Buffer) => (watcherStderr += d.toString()));
  await waitFor(() => watcherStderr.includes('watching'), { what: `the watcher to start: ${watcherStderr}` });
  server = await startHttpServer(config);
  alice = await connect(await token('alice', 'claude-code'));
  frank = await connect(await token('frank', 'ops-agent'));
  await waitFor(() => sees(alice, 'marker-original-queue'), { what: 'the initial ingest' });
});

afterAll(async () => {
  if (latencies.length > 0) {
    const worst = Math.max(...latencies.map((l) => l.ms));
    const each = latencies.map((l) => `${l.what} ${(l.ms / 1000).toFixed(1)} s`).join(', ');
    console.info(
      `ingest --watch, file change → visible through MCP: ${each}; worst ${(worst / 1000).toFixed(1)} s (goal 5 s: ${worst <= 5000 ? 'met' : 'not met'})`,
    );
  }
  await alice?.close();
  await frank?.close();
  server?.child.kill('SIGTERM');
  watcher?.kill('SIGTERM');
});

describe('clearance ingest --watch', () => {
  it('applies edits, additions and deletions while the server answers', async () => {
    let since = performance.now();
    write(engFile('queue.md'), doc('Queue notes', 'The retry queue drains every second. marker-edited-queue'));
    await shows('edit', () => sees(alice, 'marker-edited-queue'), since);
    expect(await sees(alice, 'marker-original-queue')).toBe(false);

    since = performance.now();
    write(engFile('added.md'), doc('Added notes', 'A fresh page about the index. marker-added'));
    await shows('addition', () => sees(alice, 'marker-added'), since);

    since = performance.now();
    rmSync(engFile('added.md'));
    await shows('deletion', async () => !(await sees(alice, 'marker-added')), since);
  });

  it('relabels a file from its front matter without a content change', async () => {
    const since = performance.now();
    write(engFile('queue.md'), doc('Queue notes', 'The retry queue drains every second. marker-edited-queue', ['group:sre']));
    await shows('relabel', async () => !(await sees(alice, 'marker-edited-queue')), since);
    expect(await sees(frank, 'marker-edited-queue')).toBe(true);
  });

  it('never shows new content to a reader the same edit narrows out', async () => {
    const seenByAlice: string[] = [];
    let polling = true;
    let polls = 0;
    const poll = (async () => {
      for (; polling; polls++) {
        seenByAlice.push(...(await texts(alice, 'timeouts index marker-shared')));
        const fetched = await alice.callTool({ name: 'fetch', arguments: { id: 'eng/shared.md', reason: 'watch e2e' } });
        if (!fetched.isError) seenByAlice.push(JSON.stringify(fetched.structuredContent ?? fetched.content));
      }
    })();
    await waitFor(() => seenByAlice.some((t) => t.includes('marker-shared-v1')), { ...within, what: 'alice reading the old version' });
    const since = performance.now();
    write(engFile('shared.md'), doc('Shared notes', 'Timeouts are set per index. marker-shared-v2-sre-only', ['group:sre']));
    await shows('narrowing edit', () => sees(frank, 'marker-shared-v2-sre-only'), since);
    const settled = polls;
    await waitFor(() => polls > settled + 5, { ...within, what: 'alice polling after the change' });
    polling = false;
    await poll;
    expect(seenByAlice.filter((t) => t.includes('marker-shared-v2'))).toEqual([]);
  });

  it('narrows a whole source from corpus.yaml, and records every change in the audit log', async () => {
    const since = performance.now();
    write(path.join(config.corporaDir, 'eng', 'corpus.yaml'), manifest(['group:sre']));
    write(engFile('new-sre.md'), doc('Pager notes', 'Pager rotations are weekly. marker-pager'));
    await shows('source narrowing', () => sees(frank, 'marker-pager'), since);
    expect(await texts(alice, 'queue timeouts pager index')).toEqual([]);

    // The event is appended just after its commit: wait for it.
    const ingestEvents = async () => (await readAuditRecords(config.auditDir)).flatMap((r) => (r.kind === 'admin' && r.action === 'ingest' ? [r] : []));
    type Change = { doc: string; change: string; readAcl: string[] | null };
    const changesIn = (events: Awaited<ReturnType<typeof ingestEvents>>) => events.flatMap((e) => (e.detail.changes as Change[] | undefined) ?? []);
    const events = await waitFor(
      async () => {
        const all = await ingestEvents();
        return changesIn(all).some((c) => c.doc === 'eng/new-sre.md') && all;
      },
      { ...within, what: 'the audit event of the last batch' },
    );
    const changes = changesIn(events);
    expect(events.every((e) => e.actor_auth === 'os-user')).toBe(true);
    expect(changes).toContainEqual(expect.objectContaining({ doc: 'eng/added.md', change: 'deleted' }));
    expect(changes).toContainEqual(expect.objectContaining({ doc: 'eng/queue.md', change: 'relabelled', readAcl: ['group:sre'] }));
    expect(changes).toContainEqual(expect.objectContaining({ doc: 'eng/shared.md', change: 'embedded', readAcl: ['group:sre'] }));
    expect(changes).toContainEqual(expect.objectContaining({ doc: 'eng/new-sre.md', change: 'embedded', readAcl: ['group:sre'] }));
  });

  it('reports a broken file as a skip and keeps watching', async () => {
    write(engFile('broken.md'), doc('Broken', 'widening attempt marker-broken', ['group:support']));
    write(engFile('after.md'), doc('After', 'Still watching after a skip. marker-after'));
    await waitFor(() => sees(frank, 'marker-after'), { ...within, what: 'a change after the skip' });
    // The batch's report is printed just after its commit and audit event.
    await waitFor(() => /skipped eng\/broken\.md: .*widen/.test(watcherStderr), { ...within, what: `the skip on stderr: ${watcherStderr}` });
    expect(await sees(frank, 'marker-broken')).toBe(false);
  });
});
