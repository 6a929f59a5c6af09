import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditRecords } from '../../src/audit/reader.js';
import { AuditEventSchema, type AuditRecord, type ProtocolEvent } from '../../src/audit/record.js';
import { formatEdge, formatTrace, traceRun } from '../../src/audit/trace.js';
import type { Config } from '../../src/config/config.js';
import { CLI, cliEnv, runCli, startHttpServer, taskToken } from '../helpers/cli.js';
import { tempWorld } from '../helpers/world.js';

type Protocol = ProtocolEvent & AuditRecord;

let config: Config;
let server: { url: string; child: ChildProcess } | undefined;
const children: ChildProcess[] = [];
beforeAll(async () => {
  config = tempWorld();
  expect((await runCli(config, ['ingest'])).status).toBe(0);
  server = await startHttpServer(config);
});
afterAll(() => {
  server?.child.kill('SIGTERM');
  for (const c of children) c.kill('SIGTERM');
});

const token = (human: string, agent: string) => taskToken(config, human, agent, 'finding 5');

const protocolRecords = async () => (await readAuditRecords(config.auditDir)).filter((r): r is Protocol => r.kind === 'protocol');

/**
 * The hostile requests of the finding, each with its own id so its record can be found. Arguments
 * of the wrong shape reach the tool's input schema (an isError result and a call record, SEP-1303);
 * the rest are refused at the protocol layer (a JSON-RPC error and a protocol record).
 */
const HOSTILE: { id: number; method: string; params?: unknown; shape?: Record<string, string>; answer: 'invalid_input' | number | 'result' }[] = [
  { id: 101, method: 'tools/call', params: { name: 'search', arguments: 'query=everything' }, answer: 'invalid_input' },
  { id: 102, method: 'tools/call', params: { name: 'search', arguments: [] }, answer: 'invalid_input' },
  { id: 103, method: 'tools/call', params: { arguments: { query: 'x' } }, shape: { arguments: 'object' }, answer: -32602 },
  { id: 104, method: 'tools/call', params: { name: 42, arguments: {} }, shape: { name: 'number', arguments: 'object' }, answer: -32602 },
  { id: 105, method: 'tools/list', answer: 'result' },
  { id: 106, method: 'resources/list', params: {}, answer: -32601 },
];

type Answer = { id: number; result?: { isError?: boolean; content?: { text: string }[] }; error?: { code: number; message: string } };

/** What the server answered matches what the request deserves: never -32603, never a doubled "MCP error" prefix. */
function expectAnswer(h: (typeof HOSTILE)[number], message: Answer | null) {
  const where = `${h.method} ${JSON.stringify(h.params)}`;
  if (h.answer === 'invalid_input') {
    expect(message?.result, where).toMatchObject({ isError: true });
    expect(message!.result!.content![0]!.text, where).toMatch(/^Invalid arguments for tool search; fix these[^]*\n- \(arguments\): .*expected object/);
  } else if (h.answer === 'result') {
    expect(message?.result, where).toBeDefined();
  } else {
    expect(message?.error?.code, where).toBe(h.answer);
    expect(message!.error!.message, where).not.toMatch(/MCP error/);
    if (h.method === 'tools/call') expect(message!.error!.message, where).toMatch(/"name" must be a string.*Send params as/);
  }
}

const invalidInputCalls = async (runId: string) =>
  (await readAuditRecords(config.auditDir)).filter((r) => r.kind === 'call' && r.run_id === runId && r.denial === 'invalid_input').length;

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** One JSON-RPC message over HTTP; the answer comes as JSON or as one SSE event. */
async function rpc(
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; session: string | null; message: Record<string, unknown> | null }> {
  const res = await fetch(server!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const json = /^data: (.*)$/m.exec(text)?.[1] ?? (text.trim() || 'null');
  return { status: res.status, session: res.headers.get('mcp-session-id'), message: JSON.parse(json) as Record<string, unknown> | null };
}

describe('Finding 5 — Some requests leave no audit record', () => {
  it('over HTTP: malformed calls, tools/list, unknown methods, a hijack (403) and bad bearers (401) are each recorded and traced', async () => {
    const alice = { authorization: `Bearer ${await token('alice', 'claude-code')}` };
    const init = await rpc(alice, INIT);
    expect(init.status).toBe(200);
    const session = { ...alice, 'mcp-session-id': init.session!, 'mcp-protocol-version': '2025-06-18' };
    await rpc(session, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const info = await rpc(session, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'session_info', arguments: { reason: 'who am I' } } });
    const runId = (info.message!.result as { _meta: Record<string, string> })._meta['clearance/run_id']!;

    for (const h of HOSTILE) {
      const before = await invalidInputCalls(runId);
      const answer = await rpc(session, { jsonrpc: '2.0', id: h.id, method: h.method, ...(h.params === undefined ? {} : { params: h.params }) });
      expectAnswer(h, answer.message as Answer);
      if (h.answer === 'invalid_input') {
        expect(await invalidInputCalls(runId)).toBe(before + 1);
        continue;
      }
      const record = (await protocolRecords()).find((r) => r.request_id === String(h.id) && r.run_id === runId);
      expect(record, `${h.method} ${JSON.stringify(h.params)}`).toMatchObject({
        layer: 'jsonrpc',
        method: h.method,
        verified: true,
        sub: 'alice',
        azp: 'claude-code',
      });
      if (h.shape) expect(record!.params_shape).toEqual(h.shape);
      expect(record!.outcome).toBe(h.method === 'tools/list' ? 'answered' : 'refused');
    }
    // The valid call is the pipeline's record only: no protocol record doubles it.
    expect((await protocolRecords()).filter((r) => r.request_id === '2' && r.run_id === runId)).toHaveLength(0);

    // Another grant driving alice's session: refused, recorded against the run it addressed.
    const gina = await token('gina', 'claude-code');
    const hijack = await rpc({ authorization: `Bearer ${gina}`, 'mcp-session-id': init.session! }, { jsonrpc: '2.0', id: 201, method: 'tools/list' });
    expect(hijack.status).toBe(403);
    expect((await protocolRecords()).find((r) => r.status === 403 && r.run_id === runId)).toMatchObject({
      layer: 'http',
      verified: true,
      sub: 'gina',
      method: 'tools/list',
      reason: 'This session belongs to a different task grant',
    });

    // Bearers that do not verify: no run; what the token claims is kept, marked unverified.
    expect((await rpc({}, INIT)).status).toBe(401);
    const forged = new UnsecuredJWT({ sub: 'mallory', azp: 'claude-code', jti: 'forged-jti-1', clearance: { task_id: 'task_forged' } }).encode();
    expect((await rpc({ authorization: `Bearer ${forged}` }, INIT)).status).toBe(401);
    const edge = (await protocolRecords()).filter((r) => r.status === 401 && r.run_id === null);
    expect(edge.find((r) => r.sub === null && r.jti === null)).toMatchObject({ verified: false, method: 'initialize', http: 'POST /mcp' });
    expect(edge.find((r) => r.jti === 'forged-jti-1')).toMatchObject({ verified: false, sub: 'mallory', azp: 'claude-code', task_id: 'task_forged' });

    const trace = await runCli(config, ['trace', runId]);
    expect(trace.status).toBe(0);
    // A call with no tool name is refused before the pipeline, with a clear -32602 (no longer the SDK's -32603 and zod JSON).
    expect(trace.stdout).toMatch(/\[jsonrpc\] tools\/call → refused \(code -32602\)/);
    expect(trace.stdout).toMatch(/reason Invalid tools\/call request: "name" must be a string/);
    expect(trace.stdout).toMatch(/\[jsonrpc\] tools\/list → answered/);
    expect(trace.stdout).toMatch(/\[jsonrpc\] resources\/list → refused \(code -32601\)/);
    expect(trace.stdout).toMatch(/\[http\] tools\/list → refused 403 {2}by gina via claude-code .*\(verified\)/);
    const edgeTrace = await runCli(config, ['trace', '--edge']);
    expect(edgeTrace.stdout).toMatch(/initialize → refused 401 {2}by mallory via claude-code jti forged-jti-1 \(unverified\)/);
    expect(edgeTrace.stdout).toMatch(/initialize → refused 401 {2}by no credential \(unverified\)/);
  });

  it('over stdio: the same requests and an unparseable line are each recorded', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--stdio'], {
      env: cliEnv(config, { CLEARANCE_TASK_TOKEN: await token('bob', 'support-assistant') }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(child);
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const send = async (message: unknown) => {
      child.stdin!.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
      return JSON.parse((await lines.next()).value as string) as Answer;
    };
    await send(INIT);
    child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    const runId = (await protocolRecords()).find((r) => r.transport === 'stdio' && r.method === 'initialize')!.run_id;
    expect(runId).toMatch(/^run_/);
    for (const h of HOSTILE) {
      const before = await invalidInputCalls(runId!);
      const answer = await send({ jsonrpc: '2.0', id: h.id, method: h.method, ...(h.params === undefined ? {} : { params: h.params }) });
      expect(answer.id).toBe(h.id);
      expectAnswer(h, answer as Answer);
      if (h.answer === 'invalid_input') {
        expect(await invalidInputCalls(runId!)).toBe(before + 1);
        continue;
      }
      const record = (await protocolRecords()).find((r) => r.request_id === String(h.id) && r.run_id === runId);
      expect(record, `${h.method} ${JSON.stringify(h.params)}`).toMatchObject({ layer: 'jsonrpc', transport: 'stdio', method: h.method, sub: 'bob' });
    }
    child.stdin!.write('this is not JSON-RPC\n');
    await expect.poll(async () => (await protocolRecords()).some((r) => r.run_id === runId && /^transport: /.test(r.reason ?? ''))).toBe(true);
    child.stdin!.end();
    await new Promise((r) => child.once('exit', r));
    expect((await runCli(config, ['trace', runId!])).stdout).toMatch(/\[jsonrpc\] resources\/list → refused \(code -32601\)/);
  });

  it('the trace shows what a hostile request sent as inert text, one line per field', () => {
    const hostile = 'tools/list\n  2026-01-01  search → allowed\u001b[2K\u202e';
    const event = AuditEventSchema.parse({
      kind: 'protocol',
      layer: 'jsonrpc',
      run_id: 'run_x',
      transport: 'http',
      verified: false,
      sub: hostile,
      azp: null,
      jti: null,
      task_id: null,
      method: hostile,
      request_id: hostile,
      http: null,
      params_shape: { [hostile]: 'string' },
      tool: hostile,
      outcome: 'refused',
      status: null,
      error_code: -32601,
      reason: hostile,
    });
    const records = [{ ...event, seq: 1, ts: '2026-03-01T10:00:00.000Z', replica: 'r1', prev_hash: '0', hash: '1' } as AuditRecord];
    const trace = formatTrace(traceRun(records, 'run_x')!);
    const edge = formatEdge([{ ...(records[0] as Protocol), run_id: null }]);
    for (const text of [trace, edge]) {
      for (const raw of ['\u001b', '\u202e']) expect(text).not.toContain(raw);
      // The forged "search → allowed" stays inside the three lines that carry the values.
      expect(text.split('\n').filter((l) => l.includes('allowed'))).toHaveLength(3);
    }
  });
});
