import { rmSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { readAuditRecords } from '../../src/audit/reader.js';
import { runCli } from '../helpers/cli.js';
import { tempWorld } from '../helpers/world.js';

/**
 * Issue 18, safe admin commands: removing a source is explicit. The built CLI on a temp world: a
 * missing folder is reported and kept by a plain ingest, removed only with `--remove-missing`;
 * `sources remove <id>` deletes one source (audited) and refuses an unknown id; afterwards the store,
 * `sources` and what a search can reach agree.
 */
let config: Config;
const json = async <T>(args: string[], status = 0): Promise<T> => {
  const r = await runCli(config, [...args, '--json']);
  expect(r.status, `clearance ${args.join(' ')} --json: ${r.stderr}`).toBe(status);
  return JSON.parse(r.stdout) as T;
};
const listed = async () => (await json<{ source: string; chunk_count: number }[]>(['sources'])).map((s) => s.source);
const reachable = async (source: string) =>
  (await json<{ passages: unknown[] }>(['search', 'the', '--as', 'alice', '--agent', 'claude-code', '--sources', source, '--k', '50'])).passages.length;

beforeAll(async () => {
  config = tempWorld();
  expect((await runCli(config, ['ingest'])).status).toBe(0);
});

describe('removing a source is explicit, and the store and `sources` agree afterwards', () => {
  it('a plain ingest reports a missing folder and keeps its chunks; --remove-missing removes it', async () => {
    expect(await listed()).toContain('dsr-requests');
    rmSync(path.join(config.corporaDir, 'dsr-requests'), { recursive: true });
    const plain = await runCli(config, ['ingest']);
    expect(plain.status, 'a missing folder is "done, but something is off": exit 2').toBe(2);
    expect(plain.stderr).toContain('missing: source dsr-requests is in the store but its folder is gone; its chunks are kept');
    expect(plain.stderr).toContain('clearance sources remove dsr-requests');
    expect((await runCli(config, ['ingest', '--strict'])).status).toBe(1);
    expect(await listed()).toContain('dsr-requests');
    expect((await json<{ missing_sources: string[] }>(['ingest', '--dry-run'], 2)).missing_sources).toEqual(['dsr-requests']);

    const removed = await json<{ missing_sources: string[]; removed_sources: string[] }>(['ingest', '--remove-missing']);
    expect(removed).toMatchObject({ missing_sources: [], removed_sources: ['dsr-requests'] });
    expect(await listed()).not.toContain('dsr-requests');
    expect((await runCli(config, ['ingest'])).status).toBe(0);
  });

  it('`sources remove <id>` deletes one source, is audited, refuses an unknown id and a repeat, and ingest adds the folder back', async () => {
    expect(await reachable('runbooks')).toBeGreaterThan(0);
    const chunks = (await json<{ source: string; chunk_count: number }[]>(['sources'])).find((s) => s.source === 'runbooks')!.chunk_count;

    const unknown = await runCli(config, ['sources', 'remove', 'runbook']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/sources remove runbook: no such ingested source \(known: [^)]*runbooks[^)]*\)/);

    const removal = await runCli(config, ['sources', 'remove', 'runbooks', '--json']);
    expect(removal.status, removal.stderr).toBe(0);
    expect(JSON.parse(removal.stdout)).toMatchObject({ source: 'runbooks', chunks_removed: chunks, folder_remains: true });
    expect(await listed()).not.toContain('runbooks');
    expect(await reachable('runbooks')).toBe(0);
    const event = (await readAuditRecords(config.auditDir)).find((r) => r.kind === 'admin' && r.action === 'source.remove');
    expect(event).toMatchObject({ target: 'runbooks', detail: { chunksRemoved: chunks } });

    const again = await runCli(config, ['sources', 'remove', 'runbooks']);
    expect(again.status, 'removing nothing is an error, not a silent success').toBe(1);
    expect(again.stderr).toContain('no such ingested source');

    const reingest = await runCli(config, ['ingest']);
    expect(reingest.status).toBe(0);
    expect(await listed()).toContain('runbooks');
    expect(await reachable('runbooks')).toBeGreaterThan(0);
  });
});
