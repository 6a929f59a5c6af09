import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestReportSchema } from '../../src/ingest/ingest.js';
import { parseCliJson } from '../helpers/cli-json.js';
import { loadConfig } from '../../src/config/config.js';
import { CLI, cliEnv } from '../helpers/cli.js';
import { REPO } from '../helpers/world.js';

const DOCS = 240;
const LINE = /^ingest (\S+): (\d+)\/(\d+) documents, (\d+) chunks, (\d+\.\d) docs\/s, (ETA \S+( s| min| h)?|done)$/;

describe('ingest progress when stderr is not a terminal', () => {
  it('prints parseable periodic lines (monotone, ending at the total) on stderr, and only the report on stdout', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'clearance-progress-'));
    cpSync(path.join(REPO, 'policy'), path.join(root, 'policy'), { recursive: true });
    const config = loadConfig({ cwd: root, env: {} });
    const dir = path.join(config.corporaDir, 'bulk');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'corpus.yaml'),
      'id: bulk\ntitle: Generated bulk\ndata_class: public\nowner: user:alice\nread_acl: ["*"]\nfreshness: { max_age_days: 3650 }\ninclude: ["**/*.md"]\n',
    );
    for (let i = 0; i < DOCS; i++) writeFileSync(path.join(dir, `doc-${i}.md`), `# Note ${i}\n\nRetry queue ${i} drains its index after a timeout.\n`);

    const run = spawnSync(process.execPath, [CLI, 'ingest', '--json'], { env: cliEnv(config), encoding: 'utf8', timeout: 900_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(parseCliJson(IngestReportSchema, run.stdout).docs_embedded).toBe(DOCS);

    const lines = run.stderr.split('\n').filter((l) => l.startsWith('ingest '));
    const parsed = lines.map((l) => {
      const m = LINE.exec(l);
      expect(m, `unparseable progress line: ${l}`).not.toBeNull();
      return { source: m![1], done: Number(m![2]), total: Number(m![3]), chunks: Number(m![4]) };
    });
    expect(parsed.length).toBeGreaterThan(1);
    expect(parsed.every((p) => p.source === 'bulk' && p.total === DOCS)).toBe(true);
    for (let i = 1; i < parsed.length; i++) {
      expect(parsed[i]!.done).toBeGreaterThan(parsed[i - 1]!.done);
      expect(parsed[i]!.chunks).toBeGreaterThanOrEqual(parsed[i - 1]!.chunks);
    }
    expect(parsed.at(-1)!.done).toBe(DOCS);
    expect(lines.at(-1)).toMatch(/, done$/);

    // Resumable: a second run plans nothing to embed and prints no progress.
    const again = spawnSync(process.execPath, [CLI, 'ingest', '--json'], { env: cliEnv(config), encoding: 'utf8', timeout: 900_000 });
    expect(parseCliJson(IngestReportSchema, again.stdout).docs_embedded).toBe(0);
    expect(again.stderr.split('\n').filter((l) => l.startsWith('ingest '))).toEqual([]);
  });
});
