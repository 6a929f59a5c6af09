import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerRuntime } from '../../src/app/server.js';
import { readAuditRecords } from '../../src/audit/reader.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { listRuns } from '../../src/audit/runs.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { connectAgent, sampleRuntime } from '../helpers/world.js';

let runtime: ServerRuntime;
let records: AuditRecord[];
const runIds: Record<string, string> = {};
let betweenRuns: Date;

beforeAll(async () => {
  runtime = await sampleRuntime();
  // Real calls through the real pipeline write the audit log the listing reads.
  const alice = await connectAgent(runtime, 'alice', 'claude-code');
  await alice.call('search', { query: 'INC-2041', k: 3 });
  await alice.call('list_sources', {});
  await alice.call('fetch', { result_id: 'r_nope' }).catch(() => undefined);
  await alice.close();
  runIds.alice = alice.runId;
  betweenRuns = new Date();
  await waitFor(() => Date.now() > betweenRuns.getTime()); // timestamps have millisecond resolution
  const bob = await connectAgent(runtime, 'bob', 'support-assistant');
  await bob.call('search', { query: 'refund', k: 3 });
  await bob.call('no_such_tool', {}).catch(() => undefined);
  runIds.bob = bob.runId;
  runIds.bobTask = bob.grant.taskId;
  // bob's run stays open: the listing shows it without an end.
  records = await readAuditRecords(runtime.app.config.auditDir);
});
afterAll(() => runtime?.close());

describe('clearance runs', () => {
  it('lists one summary per run with its calls and decisions, open runs included', () => {
    const runs = listRuns(records);
    expect(runs.map((r) => r.run_id)).toEqual([runIds.alice, runIds.bob]);
    const [alice, bob] = runs;
    expect(alice).toMatchObject({ human: 'alice', agent: 'claude-code', calls: 3, end_reason: 'test finished' });
    expect(alice!.decisions.allowed! + (alice!.decisions.denied ?? 0)).toBe(3);
    expect(alice!.first_call_at! <= alice!.last_call_at!).toBe(true);
    expect(alice!.started_at <= alice!.first_call_at!).toBe(true);
    expect(bob).toMatchObject({ human: 'bob', agent: 'support-assistant', calls: 2, end_reason: null, decisions: { allowed: 1, denied: 1 } });
    expect(bob!.task_purpose).toBe('test task for bob');
  });

  it('filters by human, agent, task and since', () => {
    const ids = (filter: Parameters<typeof listRuns>[1]) => listRuns(records, filter).map((r) => r.run_id);
    expect(ids({ human: 'alice' })).toEqual([runIds.alice]);
    expect(ids({ agent: 'support-assistant' })).toEqual([runIds.bob]);
    expect(ids({ task: runIds.bobTask })).toEqual([runIds.bob]);
    expect(ids({ human: 'alice', agent: 'support-assistant' })).toEqual([]);
    expect(ids({ since: betweenRuns })).toEqual([runIds.bob]);
    expect(ids({ since: new Date(Date.now() + 60_000) })).toEqual([]);
  });

  it('the CLI prints the same runs, as JSON and as an inert table', async () => {
    const config = runtime.app.config;
    const json = await runCli(config, ['runs', '--human', 'bob', '--json']);
    expect(json.status).toBe(0);
    expect((JSON.parse(json.stdout) as { run_id: string }[]).map((r) => r.run_id)).toEqual([runIds.bob]);
    const table = await runCli(config, ['runs', '--since', '1h']);
    expect(table.status).toBe(0);
    expect(table.stdout).toContain(runIds.alice);
    expect(table.stdout).toMatch(/allowed 1, denied 1/);
    const bad = await runCli(config, ['runs', '--since', 'yesterday']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--since "yesterday"/);
  });
});
