import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import type { Config } from '../../src/config/config.js';
import { IngestReportSchema } from '../../src/ingest/ingest.js';
import { CLI, cliEnv, runCli, taskToken } from '../helpers/cli.js';
import { parseCliJson } from '../helpers/cli-json.js';
import { tempWorld } from '../helpers/world.js';
import { TestClient } from '../helpers/mcp-client.js';

/**
 * One JSON surface: the built CLI, on a temp world with a real run in its audit log, runs every
 * command that has --json; each output must parse as a whole and carry only snake_case keys, at any
 * depth. Environment variable names (the `env` of a client launch) are names of things, kept as
 * they are. The list of commands run is checked against the command tree, so a new command with
 * --json that this test does not run fails it.
 */

const SNAKE = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/** Every key path in `value` that is not snake_case (empty when all are). */
function nonSnakeKeys(value: unknown, at = '$', parentKey = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => nonSnakeKeys(v, `${at}[${i}]`, parentKey));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...((parentKey === 'env' ? ENV_NAME : SNAKE).test(k) ? [] : [`${at}.${k}`]),
    ...nonSnakeKeys(v, `${at}.${k}`, k),
  ]);
}

let config: Config;
let runId: string;
const requestIds: string[] = [];
/** Command paths run with --json here, e.g. `policy explain`. */
const ran = new Set<string>();

/** Runs `clearance <args> --json`, requires an allowed exit status, and returns the parsed, snake_case-checked output. */
async function json(args: string[], options: { env?: Record<string, string>; status?: number[] } = {}): Promise<unknown> {
  const r = await runCli(config, [...args, '--json'], options.env);
  expect(options.status ?? [0], `clearance ${args.join(' ')} --json exited ${r.status}: ${r.stderr}`).toContain(r.status);
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch (err) {
    throw new Error(`clearance ${args.join(' ')} --json: stdout is not one JSON document (${(err as Error).message}):\n${r.stdout.slice(0, 2000)}`);
  }
  expect(nonSnakeKeys(parsed), `clearance ${args.join(' ')} --json: keys not in snake_case`).toEqual([]);
  const program = buildProgram();
  const words: string[] = [];
  for (let at: Command | undefined = program; at;) {
    at = at.commands.find((c) => c.name() === args[words.length]);
    if (at) words.push(at.name());
  }
  ran.add(words.join(' '));
  return parsed;
}

beforeAll(async () => {
  config = tempWorld();
  expect((await runCli(config, ['ingest'])).status).toBe(0);
  // A real run through the MCP SDK client, so runs, trace, packet and who-read have something to show.
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve', '--stdio'],
    env: cliEnv(config, { CLEARANCE_TASK_TOKEN: await taskToken(config, 'alice', 'claude-code', 'cli json e2e') }) as Record<string, string>,
    stderr: 'pipe',
  });
  const client = new TestClient({ name: 'cli-json', version: '1.0.0' });
  await client.connect(transport);
  try {
    await client.callTool({ name: 'search', arguments: { query: 'INC-2041 checkout latency', reason: 'cli json e2e' } });
    for (const target of [{ class: 'telemetry' }, { source: 'customer-tickets' }]) {
      const asked = await client.callTool({ name: 'request_access', arguments: { ...target, reason: 'need it for INC-2041' } });
      requestIds.push(String((asked.structuredContent as { request_id: string }).request_id));
    }
    const info = await client.callTool({ name: 'session_info', arguments: { reason: 'cli json e2e' } });
    runId = (info.structuredContent as { run_id: string }).run_id;
  } finally {
    await client.close();
  }
});

describe('every --json output parses and is snake_case', () => {
  it('setup and ingest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'clearance-init-json-'));
    expect(await json(['init', path.join(dir, 'org')])).toMatchObject({ config_file: expect.any(String) });
    // doctor exits 1 when a check fails (e.g. the HTTP port is taken on this machine); its JSON must hold either way.
    expect(await json(['doctor'], { status: [0, 1] })).toMatchObject({ ok: expect.any(Boolean) });
    // The ingest report is its zod schema with snake_case keys, strictly: a camelCase key fails the parse.
    const report = await runCli(config, ['ingest', '--json']);
    expect(parseCliJson(IngestReportSchema, report.stdout).docs_embedded).toBe(0);
    expect(await json(['ingest', '--dry-run'])).toMatchObject({ dry_run: true, missing_sources: [], table_version: expect.any(Number) });
  });

  it('inspect and policy', async () => {
    expect(await json(['search', 'INC-2041', '--as', 'alice', '--agent', 'claude-code'])).toMatchObject({ table_version: expect.any(Number) });
    expect(((await json(['sources', 'list'])) as unknown[]).length).toBeGreaterThan(0);
    expect(await json(['sources', 'remove', 'dsr-requests'])).toMatchObject({
      source: 'dsr-requests',
      chunks_removed: expect.any(Number),
      folder_remains: true,
    });
    expect(((await json(['card'])) as unknown[]).length).toBeGreaterThan(0);
    expect(await json(['policy', 'check'])).toMatchObject({ valid: true, policy_dir: config.policyDir });
    expect(await json(['policy', 'explain', '--as', 'alice', '--agent', 'claude-code', '--doc', 'runbooks/prod-database.md'])).toMatchObject({
      doc_id: 'runbooks/prod-database.md',
      agent_class: expect.any(Object),
    });
    expect(((await json(['policy', 'test'])) as { ok: boolean }[]).every((r) => r.ok)).toBe(true);
    expect(await json(['policy', 'apply', '--message', 'first'])).toMatchObject({ seq: 1, applied_by: expect.any(String) });
    expect(await json(['policy', 'rollback', '1'])).toMatchObject({ seq: 2 });
    expect(((await json(['policy', 'versions'])) as unknown[]).length).toBe(2);
    expect(await json(['policy', 'diff', '1', '2'])).toEqual({ from: 1, to: 2, diff: '' });
  });

  it('tasks, approvals and switches', async () => {
    const task = (await json(['task', 'start', '--owner', 'bob', '--agent', 'support-assistant', '--purpose', 'cli json e2e'])) as {
      task_id: string;
      stdio: { env: Record<string, string> };
    };
    expect(task.stdio.env.CLEARANCE_TASK_TOKEN).toBeDefined();
    expect(((await json(['task', 'list'])) as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect(await json(['task', 'revoke', task.task_id])).toMatchObject({ task_id: task.task_id });
    const credential = (await json(['approvals', 'credential', '--human', 'frank'])) as { credential: string };
    const approver = { CLEARANCE_APPROVER_TOKEN: credential.credential };
    expect(((await json(['approvals', 'list', '--status', 'pending'])) as unknown[]).length).toBe(2);
    expect(await json(['approvals', 'approve', requestIds[0]!], { env: approver })).toMatchObject({ status: 'approved' });
    expect(await json(['approvals', 'deny', requestIds[1]!, '--reason', 'not for this task'], { env: approver })).toMatchObject({ status: 'denied' });
    expect(await json(['console', 'credential', '--human', 'frank'])).toMatchObject({ human: 'frank', ttl_seconds: 43200 });
    expect(await json(['kill', '--human', 'bob', '--reason', 'cli json e2e'])).toMatchObject({ scope: 'human', value: 'bob' });
    expect(await json(['status'])).toMatchObject({ switches: [expect.objectContaining({ scope: 'human' })] });
    expect(((await json(['revive', '--human', 'bob'])) as unknown[]).length).toBe(1);
  });

  it('audit', async () => {
    expect(((await json(['runs'])) as { run_id: string }[]).map((r) => r.run_id)).toContain(runId);
    expect(await json(['trace', runId])).toMatchObject({ run_id: runId, boundary_pressure: expect.any(Array) });
    expect(await json(['trace', '--edge'])).toEqual(expect.any(Array));
    expect(await json(['packet', runId])).toMatchObject({ run_id: runId });
    expect(((await json(['who-read', 'runbooks'])) as { run_id: string }[]).map((r) => r.run_id)).toContain(runId);
    expect(((await json(['audit', 'verify'])) as { ok: boolean; torn_tail: boolean }[]).every((r) => r.ok && r.torn_tail === false)).toBe(true);
    expect(await json(['audit', 'purge', '--older-than', '400d'])).toEqual(expect.any(Array));
  });

  it('ran every command that has --json', () => {
    const withJson: string[] = [];
    const walk = (command: Command, words: string[]): void => {
      if (command.options.some((o) => o.long === '--json')) withJson.push(words.join(' '));
      for (const sub of command.commands) walk(sub, [...words, sub.name()]);
    };
    walk(buildProgram(), []);
    // `login --json` needs an IdP's device grant: test/e2e/idp-approvers.test.ts runs it against a real one.
    expect([...ran, 'login'].sort()).toEqual(withJson.sort());
  });

  it('the check can fail: camelCase keys at any depth and output that is not one JSON document are caught', () => {
    expect(nonSnakeKeys({ docs_embedded: 0, sources: [{ source: 'a', dataClass: 'x' }], launch: { env: { CLEARANCE_HOME: '/h' } } })).toEqual([
      '$.sources[0].dataClass',
    ]);
    expect(nonSnakeKeys({ tableVersion: 1, env: { notAnEnvName: 'x' } })).toEqual(['$.tableVersion', '$.env.notAnEnvName']);
    expect(() => parseCliJson(IngestReportSchema, JSON.stringify({ sources: [], removedSources: [] }))).toThrow();
    expect(() => JSON.parse('[]\npolicy test: 38 of 38 statements hold\n')).toThrow();
  });
});
