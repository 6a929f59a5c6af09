import { renameSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { runCli, startHttpServer, taskToken, connectHttp } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { tempWorld } from '../helpers/world.js';

const METRICS_TOKEN = 'test-metrics-token-0123456789';
const PROBE = 'operate-probe-7f3a';

let config: Config;
const servers: ChildProcess[] = [];
beforeAll(async () => {
  config = tempWorld();
  expect((await runCli(config, ['ingest'])).status).toBe(0);
});
afterAll(() => servers.forEach((s) => s.kill('SIGKILL')));

const token = (human: string, agent: string) => taskToken(config, human, agent, 'operate e2e');
const connect = (url: string, bearer: string) => connectHttp(url, bearer, 'operate-e2e');

const search = (client: Client) => client.callTool({ name: 'search', arguments: { query: `INC-2041 ${PROBE}`, k: 3, reason: 'operate e2e' } });

type Families = ReturnType<typeof parsePrometheusTextFormat>;

/**
 * The exposition parsed by parse-prometheus-text-format. That parser folds every series of a
 * labelled histogram into one (it keys buckets by `le` only), so histograms are declared untyped
 * before parsing: their `_bucket`, `_sum` and `_count` series then parse as families of their own,
 * labels intact (each run of consecutive lines of one name is a family).
 */
const parseExposition = (text: string): Families => parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'));

/** The value of one series (0 when absent: a counter not yet incremented has no series). */
function sample(families: Families, name: string, labels: Record<string, string> = {}): number {
  // A rewritten histogram's series may come back as several families of one name: search them all.
  const series = families.filter((f) => f.name === name).flatMap((f) => f.metrics);
  const hit = series.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return Number(hit?.value ?? 0);
}

const logLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('operating a server: health, readiness, metrics, logs', () => {
  it('serves /healthz and /readyz, metrics on their own port that count calls exactly, logs without document text, and a real fault turns readiness 503', async () => {
    const server = await startHttpServer(config, { CLEARANCE_METRICS_PORT: '0', CLEARANCE_METRICS_TOKEN: METRICS_TOKEN });
    servers.push(server.child);
    const metricsUrl = await waitFor(() => /serving metrics on (http:\/\/\S+)/.exec(server.stderr())?.[1], { what: 'the metrics port' });
    const base = new URL(server.url).origin;
    const scrape = async () => {
      const res = await fetch(metricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      return parseExposition(await res.text());
    };

    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: { name: string; ok: boolean }[] };
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([
      ['store', true],
      ['policy', true],
      ['audit', true],
      ['kill_switch_watcher', true],
      ['policy_watcher', true],
    ]);
    // Metrics live on their own port only, and only for the token.
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(metricsUrl)).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);

    const before = await scrape();
    expect(sample(before, 'clearance_policy_available')).toBe(1);
    expect(before.find((f) => f.name === 'clearance_policy_info')?.metrics).toHaveLength(1);
    expect(before.some((f) => f.name === 'process_resident_memory_bytes')).toBe(true);
    const alice = await connect(server.url, await token('alice', 'claude-code'));
    const frank = await connect(server.url, await token('frank', 'ops-agent'));
    for (let i = 0; i < 3; i++) await search(alice);
    await alice.callTool({ name: 'list_sources', arguments: { reason: 'operate e2e' } });
    // Invalid arguments are a tool result with isError (SEP-1303), counted as a denied call.
    const invalid = await alice.callTool({ name: 'list_sources', arguments: {} });
    expect(invalid.isError).toBe(true);
    expect(JSON.stringify(invalid.content)).toMatch(/Invalid arguments/);
    await search(frank);
    const unauthorised = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unauthorised.status).toBe(401);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('clearance_tool_calls_total', { tool: 'search', decision: 'allowed' })).toBe(4);
    expect(delta('clearance_tool_calls_total', { tool: 'list_sources', decision: 'allowed' })).toBe(1);
    expect(delta('clearance_tool_calls_total', { tool: 'list_sources', decision: 'denied' })).toBe(1);
    expect(delta('clearance_tool_call_denials_total', { tool: 'list_sources', denial: 'invalid_input' })).toBe(1);
    expect(delta('clearance_tool_call_duration_seconds_count', { tool: 'search', decision: 'allowed' })).toBe(4);
    for (const stage of ['embed', 'policy', 'store']) expect(delta('clearance_tool_call_stage_seconds_count', { tool: 'search', stage })).toBe(4);
    expect(delta('clearance_refusals_total', { layer: 'http', code: '401' })).toBe(1);
    expect(sample(after, 'clearance_open_sessions', { transport: 'http' })).toBe(2);
    expect(sample(after, 'clearance_audit_records_written')).toBeGreaterThan(sample(before, 'clearance_audit_records_written'));

    // A kill switch: once the server holds it, exactly one call is refused and counted as killed.
    expect((await runCli(config, ['kill', '--human', 'frank', '--reason', 'operate e2e'])).status).toBe(0);
    await waitFor(async () => sample(await scrape(), 'clearance_kill_switches_active') === 1, { what: 'the server to see the kill switch' });
    const beforeKill = await scrape();
    await expect(search(frank)).rejects.toThrow(/Stopped by kill switch/);
    const afterKill = await scrape();
    const killed = (f: Families) => sample(f, 'clearance_tool_calls_total', { tool: 'search', decision: 'killed' });
    expect(killed(afterKill) - killed(beforeKill)).toBe(1);
    expect(
      sample(afterKill, 'clearance_tool_call_denials_total', { tool: 'search', denial: 'killed' }) -
        sample(beforeKill, 'clearance_tool_call_denials_total', { tool: 'search', denial: 'killed' }),
    ).toBe(1);
    expect(sample(afterKill, 'clearance_tool_calls_total', { tool: 'search', decision: 'allowed' })).toBe(
      sample(after, 'clearance_tool_calls_total', { tool: 'search', decision: 'allowed' }),
    );

    // A real fault: the audit folder goes away. Readiness says so (503, naming the check), and recovers.
    renameSync(config.auditDir, `${config.auditDir}.away`);
    const faulty = await fetch(`${base}/readyz`);
    expect(faulty.status).toBe(503);
    const faultBody = (await faulty.json()) as { status: string; checks: { name: string; ok: boolean; detail: string }[] };
    expect(faultBody.status).toBe('not_ready');
    expect(faultBody.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['audit']);
    expect(faultBody.checks.find((c) => c.name === 'audit')?.detail).toMatch(/not writable \(ENOENT\)/);
    renameSync(`${config.auditDir}.away`, config.auditDir);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    // Ending a session is an HTTP DELETE (client.close() alone only drops the connection).
    for (const client of [alice, frank]) {
      await (client.transport as StreamableHTTPClientTransport).terminateSession();
      await client.close();
    }
    await waitFor(async () => sample(await scrape(), 'clearance_open_sessions', { transport: 'http' }) === 0, { what: 'sessions to close' });
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;

    // Structured logs: one line per call with who, tool, decision and latency; never the query or passages.
    const lines = logLines(server.stderr());
    const calls = lines.filter((l) => l.event === 'tool.call');
    expect(calls.filter((l) => l.human === 'alice' && l.tool === 'search' && l.decision === 'allowed')).toHaveLength(3);
    expect(calls.filter((l) => l.human === 'frank' && l.decision === 'killed')).toHaveLength(1);
    for (const line of calls) {
      expect(line).toMatchObject({ level: 30, run: expect.stringMatching(/^run_/), task: expect.any(String), agent: expect.any(String) });
      expect(line.latency_ms).toEqual(expect.any(Number));
    }
    expect(server.stderr()).not.toContain(PROBE);
    expect(server.stderr()).not.toMatch(/postmortem|checkout latency/i);
    expect(lines.filter((l) => l.event === 'session.opened')).toHaveLength(2);
    expect(lines.filter((l) => l.event === 'session.closed')).toHaveLength(2);
    expect(lines.filter((l) => l.event === 'request.refused' && l.status === 401)).toHaveLength(1);
    expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['server.started', 'server.stopping', 'server.stopped']));
    expect((await runCli(config, ['revive', '--human', 'frank'])).status).toBe(0);
  });

  it('serves /metrics on the main port behind its own token when no metrics port is set, and not at all by default', async () => {
    const withToken = await startHttpServer(config, { CLEARANCE_METRICS_TOKEN: METRICS_TOKEN }, ['--replica-id', 'm2']);
    servers.push(withToken.child);
    const base = new URL(withToken.url).origin;
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    // An MCP task grant is not the metrics token.
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${await token('alice', 'claude-code')}` } })).status).toBe(401);
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(sample(parseExposition(await ok.text()), 'clearance_open_sessions', { transport: 'http' })).toBe(0);
    withToken.child.kill('SIGTERM');

    const plain = await startHttpServer(config, {}, ['--replica-id', 'm3']);
    servers.push(plain.child);
    const plainBase = new URL(plain.url).origin;
    expect((await fetch(`${plainBase}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404);
    expect((await fetch(`${plainBase}/healthz`)).status).toBe(200);
    plain.child.kill('SIGTERM');
  });
});
