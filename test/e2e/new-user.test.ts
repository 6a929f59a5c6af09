import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { REPO } from '../helpers/world.js';
import { TestClient } from '../helpers/mcp-client.js';

/**
 * Issue 18 acceptance: a new user, in an empty folder outside the repository, with nothing but the
 * CLI. `init`, two documents with different ACLs, `doctor`, `ingest`, `task start`; then an MCP client
 * started from another folder with exactly the printed Claude Desktop snippet gets the right answers.
 */
const root = mkdtempSync(path.join(tmpdir(), 'clearance-new-user-'));
const org = path.join(root, 'org');
const elsewhere = path.join(root, 'somewhere-else');
mkdirSync(elsewhere);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The user's shell: no CLEARANCE_* from the test runner, the port check off (CI shares ports). */
const userEnv = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLEARANCE_'))),
  LANCEDB_LOG: 'error',
  CLEARANCE_CONFIG: path.join(org, 'clearance.config.yaml'),
  CLEARANCE_HTTP_PORT: '0',
});
const clearance = (args: string[], cwd = org, env = userEnv()) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8', timeout: 900_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
};

interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** The Claude Desktop block of `task start`'s output, parsed as the user would paste it. */
function desktopSnippet(output: string): Launch {
  const start = output.indexOf('Claude Desktop (claude_desktop_config.json):');
  const text = output.slice(output.indexOf('{', start), output.indexOf('\n\nOver HTTP', start));
  const parsed = JSON.parse(text) as { mcpServers: { clearance: Launch } };
  return parsed.mcpServers.clearance;
}

async function session(
  launch: Launch,
): Promise<{ call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>>; close(): Promise<void> }> {
  const transport = new StdioClientTransport({ command: launch.command, args: launch.args, env: launch.env, cwd: elsewhere, stderr: 'pipe' });
  const client = new TestClient({ name: 'new-user', version: '1.0.0' });
  await client.connect(transport);
  return {
    call: async (name, args) =>
      (await client.callTool({ name, arguments: { reason: 'trying clearance', ...args } })).structuredContent as Record<string, unknown>,
    close: () => client.close(),
  };
}

describe('a new user, from an empty folder to an agent answering from their own documents', () => {
  let adaOutput = '';
  let boOutput = '';

  it('init, two documents with different ACLs, doctor, ingest, task start', () => {
    expect(root.startsWith(REPO)).toBe(false);
    const init = clearance(['init', org], root, { ...userEnv(), CLEARANCE_CONFIG: '' });
    expect(init.status, init.err).toBe(0);
    appendFileSync(path.join(org, 'policy/people.csv'), 'g, user:bo, group:staff\n');
    writeFileSync(path.join(org, 'corpora/handbook/welcome.md'), '# Parking\n\nThe staff car park opens at 07:00; the access code is ORCHID-LANE.\n');
    writeFileSync(
      path.join(org, 'corpora/handbook/salaries.md'),
      '---\nread_acl: [user:ada]\ndata_class: restricted\n---\n# Salary bands\n\nThe salary band for senior engineers is KESTREL-NINE.\n',
    );

    const doctor = clearance(['doctor']);
    expect(doctor.status, doctor.out + doctor.err).toBe(0);
    expect(doctor.out).toContain('all 9 checks passed');

    const ingest = clearance(['ingest', '--strict']);
    expect(ingest.status, ingest.out + ingest.err).toBe(0);
    expect(ingest.out).toMatch(/handbook\s+general\s+2\s+2/);

    const ada = clearance(['task', 'start', '--owner', 'ada', '--agent', 'assistant', '--purpose', 'new-user test', '--ttl', '1h']);
    const bo = clearance(['task', 'start', '--owner', 'bo', '--agent', 'assistant', '--purpose', 'new-user test', '--ttl', '1h']);
    expect(ada.status, ada.err).toBe(0);
    expect(bo.status, bo.err).toBe(0);
    adaOutput = ada.out;
    boOutput = bo.out;
    for (const out of [ada.out, bo.out]) {
      expect(out).not.toMatch(/npx clearance/);
      expect(out).toContain(`CLEARANCE_CONFIG=${path.join(org, 'clearance.config.yaml')}`);
      expect(out).toMatch(/claude mcp add --transport http clearance http:\/\/127\.0\.0\.1:\d+\/mcp --header 'Authorization: Bearer /);
      expect(out).toContain('mcp-remote');
    }
  });

  it('the printed snippet, started from another folder, answers for its human only', async () => {
    const snippet = desktopSnippet(boOutput);
    expect(path.isAbsolute(snippet.command) && path.isAbsolute(snippet.args[0]!)).toBe(true);
    expect(snippet.env.CLEARANCE_CONFIG).toBe(path.join(org, 'clearance.config.yaml'));

    const bo = await session(snippet);
    try {
      const parking = (await bo.call('search', { query: 'car park access code' })) as { results: { text: string; citation: { doc_id: string } }[] };
      expect(parking.results.map((r) => r.citation.doc_id)).toContain('handbook/welcome.md');
      expect(JSON.stringify(parking)).toContain('ORCHID-LANE');
      const salary = await bo.call('search', { query: 'salary band senior engineers', k: 10 });
      expect(JSON.stringify(salary)).not.toContain('KESTREL-NINE');
      expect(await bo.call('fetch', { id: 'handbook/salaries.md' })).toMatchObject({ found: false });
    } finally {
      await bo.close();
    }

    const ada = await session(desktopSnippet(adaOutput));
    try {
      const salary = await ada.call('search', { query: 'salary band senior engineers', k: 10 });
      expect(JSON.stringify(salary)).toContain('KESTREL-NINE');
      expect(await ada.call('fetch', { id: 'handbook/salaries.md' })).toMatchObject({ found: true });
    } finally {
      await ada.close();
    }
  });

  it('a typo in a manifest group makes doctor and ingest fail, naming it', () => {
    const manifest = path.join(org, 'corpora/handbook/corpus.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('read_acl: [group:staff]', 'read_acl: [group:stafff]'));
    const doctor = clearance(['doctor'], elsewhere);
    expect(doctor.status).toBe(1);
    expect(doctor.out).toMatch(/FAIL\s+manifest handbook\s+.*"group:stafff" stands for nobody/);
    const ingest = clearance(['ingest'], elsewhere);
    expect(ingest.status).toBe(2);
    expect(ingest.err).toContain('"group:stafff" stands for nobody');
    expect(clearance(['ingest', '--strict'], elsewhere).status).toBe(1);
  });
});
