import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { CLI, cliEnv, runCli, startHttpServer, taskToken, connectHttp } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { tempWorld, type SearchResults } from '../helpers/world.js';
import { TestClient } from '../helpers/mcp-client.js';

let config: Config;
const servers: ChildProcess[] = [];
beforeAll(async () => {
  config = tempWorld();
  expect((await runCli(config, ['ingest'])).status).toBe(0);
});
afterAll(() => servers.forEach((s) => s.kill('SIGKILL')));

const token = (human: string, agent: string) => taskToken(config, human, agent, 'governance e2e');
const httpClient = (url: string, bearer: string) => connectHttp(url, bearer, 'gov-e2e');

const search = (client: Client) => client.callTool({ name: 'search', arguments: { query: 'INC-2041 checkout latency', k: 3, reason: 'steady stream' } });

/** Calls in a loop until one is refused; resolves with that error (the time limit is only a safety net). */
const untilRefused = (client: Client): Promise<Error> =>
  waitFor(
    () =>
      search(client).then(
        () => undefined,
        (err: unknown) => err as Error,
      ),
    { intervalMs: 20, timeoutMs: 180_000, what: 'a refused call' },
  );

describe('kill switch across processes and transports', () => {
  it('a CLI kill stops an HTTP server process and a stdio server process under a steady stream of calls; revive restores', async () => {
    const http = await startHttpServer(config);
    servers.push(http.child);
    const frankToken = await token('frank', 'ops-agent');
    const viaHttp = await httpClient(http.url, frankToken);
    const stdio = new TestClient({ name: 'gov-e2e-stdio', version: '1.0.0' });
    await stdio.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'serve', '--stdio'],
        env: cliEnv(config, { CLEARANCE_TASK_TOKEN: frankToken }) as Record<string, string>,
        stderr: 'pipe',
      }),
    );
    await search(viaHttp);
    await search(stdio);

    const refusedHttp = untilRefused(viaHttp);
    const refusedStdio = untilRefused(stdio);
    const kill = await runCli(config, ['kill', '--human', 'frank', '--reason', 'suspicious 2 a.m. activity']);
    expect(kill.status).toBe(0);
    expect((await refusedHttp).message).toMatch(/Stopped by kill switch: human frank stopped: suspicious 2 a\.m\. activity/);
    expect((await refusedStdio).message).toMatch(/Stopped by kill switch/);
    // Other humans are unaffected.
    const gina = await httpClient(http.url, await token('gina', 'claude-code'));
    await expect(search(gina)).resolves.toBeTruthy();
    expect((await runCli(config, ['status'])).stdout).toMatch(/human\s+frank/);

    expect((await runCli(config, ['revive', '--human', 'frank'])).status).toBe(0);
    expect(
      await waitFor(
        () =>
          search(viaHttp).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 180_000, what: 'calls to be answered again after revive' },
      ),
    ).toBe(true);
    await Promise.all([viaHttp.close(), stdio.close(), gina.close()]);

    // Refusals are audited.
    const records = readFileSync(path.join(config.auditDir, 'local.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.some((r) => r.decision === 'killed' && r.human === 'frank')).toBe(true);
    expect((await runCli(config, ['audit', 'verify'])).status).toBe(0);
  });

  it('task revoke stops the task; approvals need an authenticated, allowed approver and are scoped to one task', async () => {
    const http = await startHttpServer(config, {}, ['--replica-id', 'r2']);
    servers.push(http.child);
    http.child.once('exit', (code) => code !== null && code !== 0 && console.error(`server r2 exited ${code}:\n${http.stderr()}`));
    const aliceToken = await token('alice', 'claude-code');
    const alice = await httpClient(http.url, aliceToken);
    const classes = async (c: Client) =>
      new Set(
        (
          (await c.callTool({ name: 'search', arguments: { query: 'INC-2041 alert', k: 50, mode: 'vector', reason: 'check reach' } }))
            .structuredContent as unknown as SearchResults
        ).results.map((r) => r.data_class),
      );
    expect((await classes(alice)).has('telemetry')).toBe(false);
    const req = (await alice.callTool({ name: 'request_access', arguments: { class: 'telemetry', reason: 'need the alert timeline' } })).structuredContent as {
      request_id: string;
    };

    // No credential, the requester's own credential, and a non-approver's credential are all refused.
    const approve = (extra: string[], env: Record<string, string> = {}) => runCli(config, ['approvals', 'approve', req.request_id, ...extra], env);
    const cred = async (human: string) => (await runCli(config, ['approvals', 'credential', '--human', human])).stdout.trim();
    expect((await approve([])).stderr).toMatch(/CLEARANCE_APPROVER_TOKEN/);
    expect((await approve([], { CLEARANCE_APPROVER_TOKEN: await cred('alice') })).stderr).toMatch(/own request/);
    expect((await approve([], { CLEARANCE_APPROVER_TOKEN: await cred('bob') })).stderr).toMatch(/not an approver/);
    expect((await approve([], { CLEARANCE_APPROVER_TOKEN: 'forged' })).stderr).toMatch(/rejected/);
    const ok = await approve(['--ttl', '2h'], { CLEARANCE_APPROVER_TOKEN: await cred('frank') });
    expect(ok.stdout).toMatch(/approved/);
    expect((await classes(alice)).has('telemetry')).toBe(true);
    const otherTask = await httpClient(http.url, await token('alice', 'claude-code'));
    expect((await classes(otherTask)).has('telemetry')).toBe(false);

    const taskId = JSON.parse(Buffer.from(aliceToken.split('.')[1]!, 'base64url').toString()).clearance.task_id;
    expect((await runCli(config, ['task', 'revoke', taskId])).status).toBe(0);
    expect((await untilRefused(alice)).message).toMatch(/revoked/);
    await Promise.all([alice.close(), otherTask.close()]);

    // The packet of alice's run shows the request as boundary pressure and frank's approval.
    const runId = readFileSync(path.join(config.auditDir, 'r2.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((r) => r.kind === 'run.start' && r.task_id === taskId).run_id;
    const packet = (await runCli(config, ['packet', runId])).stdout;
    expect(packet).toMatch(/## Boundary pressure\n- .*request_access via request_access: class telemetry/);
    expect(packet).toMatch(/## Human approval\n- .*approval\.approve .* by frank \(approver-credential/);
  });
});
