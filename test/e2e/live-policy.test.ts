import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditRecords } from '../../src/audit/reader.js';
import type { Config } from '../../src/config/config.js';
import { CLI, cliEnv, runCli, startHttpServer, taskToken, connectHttp } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { tempWorld } from '../helpers/world.js';
import { TestClient } from '../helpers/mcp-client.js';

let config: Config;
const servers: ChildProcess[] = [];
beforeAll(async () => {
  config = tempWorld();
  expect((await runCli(config, ['ingest'])).status).toBe(0);
});
afterAll(() => servers.forEach((s) => s.kill('SIGKILL')));

const INTERNAL_DOC = 'eng-docs/on-call-guide.md';
const peoplePath = () => path.join(config.policyDir, 'people.csv');
const token = (human: string, agent: string) => taskToken(config, human, agent, 'live policy e2e');
const reads = async (client: Client) => !(await client.callTool({ name: 'fetch', arguments: { id: INTERNAL_DOC, reason: 'steady stream' } })).isError;

async function clients(bearer: string, httpUrl: string): Promise<Record<'http' | 'stdio', Client>> {
  const http = await connectHttp(httpUrl, bearer, 'live-http');
  const stdio = new TestClient({ name: 'live-stdio', version: '1' });
  await stdio.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'serve', '--stdio'],
      env: cliEnv(config, { CLEARANCE_TASK_TOKEN: bearer }) as Record<string, string>,
      stderr: 'pipe',
    }),
  );
  return { http, stdio };
}

describe('live policy: an access change reaches every serving process (invariant 10)', () => {
  it('removing a person from a group by `policy apply` refuses the next calls of already open sessions; the record names the new version; rollback restores', async () => {
    const server = await startHttpServer(config, {}, ['--replica-id', 'live']);
    servers.push(server.child);
    const published = await runCli(config, ['policy', 'apply', '--message', 'first published version']);
    expect(published.status, published.stderr).toBe(0);
    const open = await clients(await token('alice', 'claude-code'), server.url);
    for (const client of Object.values(open)) await waitFor(() => reads(client), { what: 'alice reads internal under v1' });

    // alice leaves engineering: her open HTTP and stdio sessions lose internal on their next calls.
    const before = readFileSync(peoplePath(), 'utf8');
    writeFileSync(peoplePath(), before.replace('g, user:alice, group:engineering\n', ''));
    // The sample expectations say alice reads internal: a policy test change goes with the access change.
    const tests = path.join(config.policyDir, 'expectations.yaml');
    writeFileSync(
      tests,
      readFileSync(tests, 'utf8').replace(/ {2}- alice via claude-code (can|cannot) read (internal|telemetry with approval|doc \S+)\n/g, ''),
    );
    const applied = await runCli(config, ['policy', 'apply', '--message', 'alice moved to sales']);
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/published policy v2 .*\n[\s\S]*-g, user:alice, group:engineering/);
    const appliedAt = Date.now();
    const latency: Record<string, number> = {};
    for (const [name, client] of Object.entries(open)) {
      await waitFor(async () => !(await reads(client)), { timeoutMs: 60_000, what: `${name} session refused after the apply` });
      latency[name] = Date.now() - appliedAt;
    }
    console.log(`revocation reached the open sessions after: ${JSON.stringify(latency)} ms (goal < 2,000 ms; timed by the bench, not asserted here)`);
    const v2 = await runCli(config, ['policy', 'versions', '--json']);
    const versions = JSON.parse(v2.stdout) as { seq: number; version: string }[];
    const live = versions.at(-1)!;
    expect(live.seq).toBe(2);
    const records = await readAuditRecords(config.auditDir);
    const refusals = records.filter((r) => r.kind === 'call' && r.method === 'fetch' && r.human === 'alice' && r.decision === 'denied');
    expect(refusals.length, 'denied fetches of alice').toBeGreaterThanOrEqual(1);
    for (const r of refusals) expect((r as { policy_version: string }).policy_version).toBe(live.version);
    expect(
      records.some((r) => r.kind === 'admin' && r.action === 'policy.live' && r.target === live.version),
      JSON.stringify(records.filter((r) => r.kind === 'admin').map((r) => [r.action, (r as { target: string }).target])),
    ).toBe(true);

    // A broken edit never reaches a server: refused with file, line and fix, audited; v2 keeps serving.
    writeFileSync(peoplePath(), `${before}g, user:alice\n`);
    const broken = await runCli(config, ['policy', 'apply', '--message', 'typo']);
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toMatch(/people\.csv:\d+: a membership line/);
    expect(await reads(open.http)).toBe(false);
    const admin = (await readAuditRecords(config.auditDir)).filter((r) => r.kind === 'admin').map((r) => (r as { action: string }).action);
    expect(admin, JSON.stringify(admin)).toContain('policy.refused');

    // Rollback to v1 restores alice's access in the same open sessions.
    const rollback = await runCli(config, ['policy', 'rollback', 'v1']);
    expect(rollback.status, rollback.stderr).toBe(0);
    for (const [name, client] of Object.entries(open))
      await waitFor(() => reads(client), { timeoutMs: 60_000, what: `${name} reads again after the rollback` });
    await Promise.all(Object.values(open).map((c) => c.close()));
  });

  it('`policy test` passes on the sample world expectations and fails naming the line of a wrong one', async () => {
    const sample = path.join(path.dirname(CLI), '../../../policy/expectations.yaml');
    // Against the published v1 (the sample policy as it was copied), with the store for doc statements.
    const ok = await runCli(config, ['policy', 'test', sample, '--at', 'v1']);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/(\d+) of \1 statements hold/);
    const wrong = path.join(config.home, 'wrong.yaml');
    writeFileSync(wrong, 'expect:\n  - gina via claude-code can read public\n  - gina via claude-code can read internal\n');
    const bad = await runCli(config, ['policy', 'test', wrong, '--at', 'v1']);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/wrong\.yaml:3: FAILED "gina via claude-code can read internal"/);
  });
});
