import type { ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { CLI, cliEnv, runCli, startHttpServer } from '../helpers/cli.js';
import { tempWorld } from '../helpers/world.js';
import { TestClient } from '../helpers/mcp-client.js';

/**
 * The output contract, end to end: every tool's `structuredContent` is checked, with a real JSON
 * Schema validator (Ajv, draft 2020-12), against the `outputSchema` the built server itself
 * advertises in tools/list, over stdio and Streamable HTTP, in success and tool-error shapes.
 *
 * Calls go through `client.request('tools/call')` rather than `client.callTool`, so the SDK
 * client's own output check cannot throw first: a mismatch is reported here, with Ajv's errors.
 */

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
const ALL_TOOLS = ['check_release', 'fetch', 'list_sources', 'request_access', 'search', 'session_info'];

let config: Config;
let http: { url: string; child: ChildProcess; stderr: () => string };

/** `transport tool shape` of every call whose structuredContent validated. */
const covered = new Set<string>();
/** One real structuredContent per tool, kept for the can-fail check. */
const samples = new Map<string, Record<string, unknown>>();
/** Compiled validators from the first tools/list that advertised each tool (all listings must agree). */
const advertised = new Map<string, { schema: Tool['outputSchema']; validate: ValidateFunction }>();

beforeAll(async () => {
  config = tempWorld();
  const ingest = await runCli(config, ['ingest']);
  expect(ingest.status, ingest.stderr).toBe(0);
  http = await startHttpServer(config);
});
afterAll(() => {
  http?.child.kill('SIGTERM');
});

function newAjv(): Ajv2020 {
  // strict: true — the zod-generated schemas use no keyword Ajv's strict mode rejects (if that ever
  // changes, this fails at compile, which is the point: relax `strict`, never the data checks).
  return new Ajv2020({ strict: true, allErrors: true });
}

const taskToken = async (human: string, agent: string, extra: string[] = []): Promise<string> => {
  const r = await runCli(config, ['task', 'start', '--owner', human, '--agent', agent, '--purpose', 'output contract e2e', '--token-only', ...extra]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
};

interface Conn {
  client: Client;
  label: string;
  close(): Promise<void>;
}

async function connectStdio(token: string, label: string): Promise<Conn> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve', '--stdio'],
    env: cliEnv(config, { CLEARANCE_TASK_TOKEN: token }) as Record<string, string>,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new TestClient({ name: 'output-contract-stdio', version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`stdio server did not start: ${(err as Error).message}\n${stderr}`);
  }
  return { client, label: `stdio ${label}`, close: () => client.close() };
}

async function connectHttp(token: string, label: string): Promise<Conn> {
  const client = new TestClient({ name: 'output-contract-http', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return { client, label: `http ${label}`, close: () => client.close() };
}

/** tools/list: every tool advertises a draft 2020-12 outputSchema that Ajv compiles. */
async function listAndCompile(conn: Conn): Promise<string[]> {
  const { tools } = await conn.client.listTools();
  for (const tool of tools) {
    expect(tool.outputSchema, `${conn.label}: ${tool.name} advertises no outputSchema`).toBeDefined();
    const schema = tool.outputSchema!;
    expect(schema.$schema, `${conn.label}: ${tool.name} outputSchema $schema`).toBe(DRAFT_2020_12);
    expect(schema.type).toBe('object');
    const known = advertised.get(tool.name);
    if (known) {
      expect(schema, `${conn.label}: ${tool.name} outputSchema differs between listings`).toEqual(known.schema);
      continue;
    }
    let validate: ValidateFunction;
    try {
      validate = newAjv().compile(schema);
    } catch (err) {
      throw new Error(`${conn.label}: Ajv cannot compile the outputSchema of ${tool.name}: ${(err as Error).message}\n${JSON.stringify(schema, null, 2)}`);
    }
    advertised.set(tool.name, { schema, validate });
  }
  return tools.map((t) => t.name).sort();
}

function validateAgainst(tool: string, data: unknown): { ok: boolean; errors: string } {
  const entry = advertised.get(tool);
  if (!entry) throw new Error(`no advertised outputSchema for ${tool}`);
  const ok = entry.validate(data) as boolean;
  return { ok, errors: ok ? '' : JSON.stringify(entry.validate.errors, null, 2) };
}

/**
 * Calls a tool (raw tools/call, no SDK-side output check), validates its structuredContent against
 * the advertised outputSchema, and checks the result is an error exactly when expected.
 */
async function call(conn: Conn, tool: string, shape: string, args: Record<string, unknown>, expectError = false): Promise<Record<string, unknown>> {
  const result = (await conn.client.request(
    { method: 'tools/call', params: { name: tool, arguments: { reason: `output contract: ${shape}`, ...args } } },
    CallToolResultSchema,
  )) as CallToolResult;
  const where = `${conn.label}: ${tool} (${shape})`;
  expect(Boolean(result.isError), `${where}: isError; text: ${JSON.stringify(result.content)}`).toBe(expectError);
  // The MCP spec: a tool with an outputSchema MUST return conforming structured results. This server
  // also returns structuredContent on tool-level errors; whatever it returns must conform too.
  expect(result.structuredContent, `${where}: no structuredContent`).toBeDefined();
  const structured = result.structuredContent as Record<string, unknown>;
  const { ok, errors } = validateAgainst(tool, structured);
  if (!ok)
    console.error(
      `${where}: structuredContent does not match the advertised outputSchema:\n${errors}\ndata: ${JSON.stringify(structured, null, 2).slice(0, 4000)}`,
    );
  expect(ok, `${where}: structuredContent violates outputSchema: ${errors}`).toBe(true);
  // The spec's advice for text-only clients: the text content carries the serialised structured result (after a summary).
  expect(result.content.at(-1), `${where}: last text block`).toEqual({ type: 'text', text: JSON.stringify(structured) });
  covered.add(`${conn.label.split(' ')[0]} ${tool} ${expectError ? 'error' : 'ok'} ${shape}`);
  if (!expectError && !samples.has(tool)) samples.set(tool, structuredClone(structured));
  return structured;
}

type Results = { results: { result_id: string; data_class: string; text: string; citation: { source: string; doc_id: string } }[]; count: number };

/** alice via claude-code: every tool, every shape. */
async function aliceEverything(connect: (token: string, label: string) => Promise<Conn>): Promise<string> {
  const alice = await connect(await taskToken('alice', 'claude-code'), 'alice/claude-code');
  try {
    expect(await listAndCompile(alice)).toEqual(ALL_TOOLS);

    // session_info before anything is received (empty received sets, null scope).
    const fresh = await call(alice, 'session_info', 'fresh run, no scope', {});
    expect(fresh).toMatchObject({ human: 'alice', agent: 'claude-code', scope: { sources: null, classes: null } });
    // check_release with nothing received.
    await call(alice, 'check_release', 'nothing received yet', { destination_class: 'public' });

    const hybrid = (await call(alice, 'search', 'hybrid default k', { query: 'INC-2041 checkout latency' })) as unknown as Results;
    expect(hybrid.count).toBeGreaterThan(0);
    const vector = (await call(alice, 'search', 'vector, classes narrowing, k 50', {
      query: 'payment failures during the incident',
      mode: 'vector',
      k: 50,
      classes: ['internal', 'public'],
    })) as unknown as Results;
    expect(vector.results.every((r) => ['internal', 'public'].includes(r.data_class))).toBe(true);
    const fts = (await call(alice, 'search', 'fts, sources narrowing', {
      query: 'INC-2041',
      mode: 'fts',
      k: 10,
      sources: ['postmortems', 'runbooks'],
    })) as unknown as Results;
    expect(fts.count).toBeGreaterThan(0);
    expect(fts.results.every((r) => ['postmortems', 'runbooks'].includes(r.citation.source))).toBe(true);
    await call(alice, 'search', 'narrowed outside the task (empty results)', { query: 'INC-2041', classes: ['customer'], mode: 'hybrid' });
    await call(alice, 'search', 'fts, no match', { query: 'zzqxv-nothing-matches-this', mode: 'fts' });

    // fetch: by result_id, by doc_id, and a missing id (isError, same structured shape).
    const hit = hybrid.results[0]!;
    const byResult = await call(alice, 'fetch', 'by result_id', { id: hit.result_id });
    expect(byResult.found).toBe(true);
    await call(alice, 'fetch', 'by doc_id', { id: hit.citation.doc_id });
    const missing = await call(alice, 'fetch', 'missing id', { id: 'no-such-doc-anywhere' }, true);
    expect(missing).toEqual({ found: false, document: null });

    // list_sources: reachable and needs-approval sources (approved_until null).
    const before = (await call(alice, 'list_sources', 'before approval', {})) as { sources: { source: string; needs_approval: boolean }[] };
    expect(before.sources.some((s) => s.needs_approval)).toBe(true);

    // check_release: known classes, allowed and not, with a draft that quotes a received chunk.
    await call(alice, 'check_release', 'internal destination, no draft', { destination_class: 'internal' });
    const quoting = await call(alice, 'check_release', 'public destination, draft quoting a chunk', {
      destination_class: 'public',
      draft: `Summary for the status page: ${hit.text}`,
    });
    expect(quoting.allowed).toBe(false);
    expect((quoting.quoted as unknown[]).length).toBeGreaterThan(0);
    const unknown = await call(alice, 'check_release', 'unknown destination class', { destination_class: 'no-such-class' }, true);
    expect(unknown.allowed).toBe(false);

    // request_access: a class and a source.
    const byClass = await call(alice, 'request_access', 'class', { class: 'telemetry', reason: 'need the alert timeline for INC-2041' });
    expect(byClass.status).toBe('pending');
    await call(alice, 'request_access', 'source', { source: 'customer-tickets', reason: 'need the customer reports for INC-2041' });

    // After an approval: list_sources carries approved_until (a string), search reaches telemetry.
    const cred = (await runCli(config, ['approvals', 'credential', '--human', 'frank'])).stdout.trim();
    const approve = await runCli(config, ['approvals', 'approve', String(byClass.request_id), '--ttl', '2h'], { CLEARANCE_APPROVER_TOKEN: cred });
    expect(approve.stdout, approve.stderr).toMatch(/approved/);
    const after = (await call(alice, 'list_sources', 'after approval', {})) as { sources: { data_class: string; approved_until: string | null }[] };
    expect(after.sources.some((s) => s.data_class === 'telemetry' && typeof s.approved_until === 'string')).toBe(true);
    const telemetry = (await call(alice, 'search', 'with an approved class', {
      query: 'INC-2041 alert latency',
      mode: 'vector',
      k: 20,
      classes: ['telemetry'],
    })) as unknown as Results;
    expect(telemetry.results.some((r) => r.data_class === 'telemetry')).toBe(true);

    // session_info after receiving several classes and sources.
    const later = await call(alice, 'session_info', 'after receiving', {});
    expect((later.received as { classes: string[] }).classes.length).toBeGreaterThan(0);
    const internal = hybrid.results.find((r) => r.data_class === 'internal');
    expect(internal).toBeDefined();
    return internal!.citation.doc_id;
  } finally {
    await alice.close();
  }
}

/** Other human/agent pairs: narrower tool sets, other classes, a scoped task. */
async function otherPairs(connect: (token: string, label: string) => Promise<Conn>, internalDocId: string): Promise<void> {
  let customerResultId: string;
  const bob = await connect(await taskToken('bob', 'support-assistant'), 'bob/support-assistant');
  try {
    expect(await listAndCompile(bob)).toEqual(['fetch', 'list_sources', 'search', 'session_info']);
    const found = (await call(bob, 'search', 'customer class', { query: 'failed payments during INC-2041', k: 10 })) as unknown as Results;
    expect(found.results.some((r) => r.data_class === 'customer')).toBe(true);
    customerResultId = found.results.find((r) => r.data_class === 'customer')!.result_id;
    await call(bob, 'fetch', 'customer document', { id: customerResultId });
    await call(bob, 'fetch', "forbidden id (alice's internal doc)", { id: internalDocId }, true);
    await call(bob, 'list_sources', 'support reach', {});
    await call(bob, 'session_info', 'support run', {});
  } finally {
    await bob.close();
  }

  const frank = await connect(await taskToken('frank', 'ops-agent'), 'frank/ops-agent');
  try {
    expect(await listAndCompile(frank)).toEqual(['list_sources', 'search', 'session_info']);
    await call(frank, 'search', 'telemetry reach, fts', { query: 'INC-2041 alert', mode: 'fts', k: 20 });
    await call(frank, 'list_sources', 'ops reach', {});
    await call(frank, 'session_info', 'ops run', {});
  } finally {
    await frank.close();
  }

  // A task narrowed by sources, classes and methods: session_info carries non-null scope arrays.
  const scoped = await connect(
    await taskToken('alice', 'claude-code', [
      '--sources',
      'postmortems,public-docs',
      '--classes',
      'internal,public',
      '--methods',
      'search,session_info,check_release',
    ]),
    'alice/claude-code scoped',
  );
  try {
    expect(await listAndCompile(scoped)).toEqual(['check_release', 'search', 'session_info']);
    await call(scoped, 'search', 'scoped task', { query: 'INC-2041' });
    const info = await call(scoped, 'session_info', 'scoped task', {});
    expect(info.scope).toEqual({ sources: ['postmortems', 'public-docs'], classes: ['internal', 'public'] });
    await call(scoped, 'check_release', 'scoped task', { destination_class: 'internal', draft: 'nothing quoted here at all' });
  } finally {
    await scoped.close();
  }

  // gina reads public only, through the widest agent workflow.
  const gina = await connect(await taskToken('gina', 'audit-assistant'), 'gina/audit-assistant');
  try {
    expect(await listAndCompile(gina)).toEqual(['fetch', 'list_sources', 'request_access', 'search', 'session_info']);
    await call(gina, 'search', 'public only', { query: 'INC-2041 status update', k: 5 });
    await call(gina, 'list_sources', 'public only', {});
    await call(gina, 'fetch', "forbidden id (bob's customer result)", { id: customerResultId }, true);
    await call(gina, 'request_access', 'source the requester cannot see exists', { source: 'no-such-source', reason: 'looking for the audit evidence' });
  } finally {
    await gina.close();
  }
}

describe('structuredContent matches the advertised outputSchema (Ajv, draft 2020-12)', () => {
  it('over stdio (clearance serve --stdio), every tool in success and error shapes', async () => {
    await otherPairs(connectStdio, await aliceEverything(connectStdio));
  });

  it('over Streamable HTTP (clearance serve --http), every tool in success and error shapes', async () => {
    await otherPairs(connectHttp, await aliceEverything(connectHttp));
  });

  it('reached every tool on both transports, with at least one success and the error shapes', () => {
    for (const transport of ['stdio', 'http']) {
      for (const tool of ALL_TOOLS)
        expect(
          [...covered].some((c) => c.startsWith(`${transport} ${tool} ok `)),
          `${transport} ${tool} ok`,
        ).toBe(true);
      expect([...covered].some((c) => c.startsWith(`${transport} fetch error `))).toBe(true);
      expect([...covered].some((c) => c.startsWith(`${transport} check_release error `))).toBe(true);
    }
    expect(new Set(advertised.keys())).toEqual(new Set(ALL_TOOLS));
  });

  it('the check can fail: corrupted copies of real structuredContent are rejected', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberate corruption of arbitrary shapes
    type Loose = Record<string, any>;
    const corrupt = (tool: string, mutate: (d: Loose) => void) => {
      const copy = structuredClone(samples.get(tool)!) as Loose;
      expect(validateAgainst(tool, copy).ok, `${tool} sample is valid before corruption`).toBe(true);
      mutate(copy);
      return validateAgainst(tool, copy);
    };
    // A required field deleted.
    const noRunId = corrupt('search', (d) => delete d.run_id);
    expect(noRunId.ok).toBe(false);
    expect(noRunId.errors).toMatch(/run_id/);
    // A nested required field deleted (a citation's data class label).
    expect(corrupt('search', (d) => delete d.results[0].data_class).ok).toBe(false);
    // A wrong type, a non-integer where an integer is required, a span of the wrong length.
    expect(corrupt('fetch', (d) => (d.found = 'yes')).ok).toBe(false);
    expect(corrupt('search', (d) => (d.count = 1.5)).ok).toBe(false);
    expect(corrupt('search', (d) => d.results[0].citation.span.push(99)).ok).toBe(false);
    // An enum/const broken, and an unexpected property (the internal `rule` leaking out).
    expect(corrupt('request_access', (d) => (d.status = 'approved')).ok).toBe(false);
    const leaked = corrupt('search', (d) => (d.results[0].rule = 'p, group:engineering, class:internal'));
    expect(leaked.ok, 'additionalProperties is enforced').toBe(false);
    expect(corrupt('session_info', (d) => (d.scope.sources = 'all')).ok).toBe(false);
  });
});
