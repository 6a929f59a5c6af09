import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { loadOrCreateSigningKey } from '../../src/identity/keys.js';
import { runCli, startHttpServer } from '../helpers/cli.js';
import { tempWorld, type SearchResults } from '../helpers/world.js';
import { TestClient } from '../helpers/mcp-client.js';

let config: Config;
let server: { url: string; child: ChildProcess };
let jwks: Server;
let external: Awaited<ReturnType<typeof generateKeyPair>>;
const EXTERNAL_ISSUER = 'https://idp.example.test';

beforeAll(async () => {
  config = tempWorld();
  // An external issuer's JWKS, served on loopback.
  external = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(external.publicKey)), kid: 'ext-1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const configFile = path.join(config.home, '..', 'clearance.config.yaml');
  writeFileSync(
    configFile,
    `externalIssuers:\n  - issuer: ${EXTERNAL_ISSUER}\n    jwksUri: http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json\n`,
  );
  expect((await runCli(config, ['ingest'])).status).toBe(0);
  server = await startHttpServer(config, { CLEARANCE_CONFIG: configFile });
});
afterAll(() => {
  server?.child.kill('SIGTERM');
  jwks?.close();
});

const token = async (human: string, agent: string, extra: string[] = []) => {
  const r = await runCli(config, ['task', 'start', '--owner', human, '--agent', agent, '--purpose', 'http e2e', '--token-only', ...extra]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
};

async function connect(bearer: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } });
  const client = new TestClient({ name: 'e2e-http', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

const post = (
  headers: Record<string, string>,
  body: unknown = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  },
) =>
  fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('Streamable HTTP with task grants (OAuth 2.1 resource server)', () => {
  it('serves scenario answers per task grant over a real SDK client', async () => {
    const alice = await connect(await token('alice', 'claude-code'));
    const bob = await connect(await token('bob', 'support-assistant'));
    const ask = async (c: Client) =>
      (
        (await c.callTool({ name: 'search', arguments: { query: 'INC-2041', k: 50, mode: 'vector', reason: 'e2e' } }))
          .structuredContent as unknown as SearchResults
      ).results;
    expect(new Set((await ask(alice)).map((r) => r.data_class))).toEqual(new Set(['public', 'internal']));
    expect(new Set((await ask(bob)).map((r) => r.data_class))).toEqual(new Set(['public', 'customer']));
    expect((await bob.listTools()).tools.map((t) => t.name).sort()).toEqual(['fetch', 'list_sources', 'search', 'session_info']);
    await alice.close();
    await bob.close();
  });

  it('publishes protected resource metadata and answers 401 with WWW-Authenticate pointing at it', async () => {
    const res = await post({});
    expect(res.status).toBe(401);
    const header = res.headers.get('www-authenticate') ?? '';
    expect(header).toMatch(/^Bearer /);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(header)?.[1];
    expect(metadataUrl).toBe('https://clearance.example.internal/.well-known/oauth-protected-resource/mcp');
    const meta = await (await fetch(new URL('/.well-known/oauth-protected-resource/mcp', server.url))).json();
    expect(meta).toMatchObject({ resource: config.resource, bearer_methods_supported: ['header'] });
    expect(await res.text()).not.toMatch(/INC-2041|postmortem/);
  });

  it('rejects expired, wrong-audience, wrong-issuer, bad-signature, alg:none and tampered tokens with no data', async () => {
    const key = await loadOrCreateSigningKey(config.keysDir);
    const claims = { azp: 'claude-code', clearance: { task_id: 't-x', purpose: 'p', scope: {} } };
    const base = () => new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA' }).setSubject('alice').setJti('j').setIssuedAt();
    const good = await base().setIssuer(config.issuer).setAudience(config.resource).setExpirationTime('5m').sign(key.privateKey);
    const foreign = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const [h, p, s] = good.split('.');
    const tamperedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'carol' })).toString('base64url');
    const cases: Record<string, string> = {
      expired: await base()
        .setIssuer(config.issuer)
        .setAudience(config.resource)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
        .sign(key.privateKey),
      'wrong audience': await base().setIssuer(config.issuer).setAudience('https://other.example/mcp').setExpirationTime('5m').sign(key.privateKey),
      'wrong issuer': await base().setIssuer('https://evil.example').setAudience(config.resource).setExpirationTime('5m').sign(key.privateKey),
      'bad signature': await base().setIssuer(config.issuer).setAudience(config.resource).setExpirationTime('5m').sign(foreign.privateKey),
      'alg none': new UnsecuredJWT(claims)
        .setIssuer(config.issuer)
        .setAudience(config.resource)
        .setSubject('alice')
        .setJti('j')
        .setExpirationTime('5m')
        .encode(),
      tampered: `${h}.${tamperedPayload}.${s}`,
      garbage: 'not-a-token',
    };
    for (const [name, bad] of Object.entries(cases)) {
      const res = await post({ authorization: `Bearer ${bad}` });
      expect(res.status, name).toBe(401);
      expect(res.headers.get('www-authenticate'), name).toMatch(/invalid_token/);
    }
    expect((await post({ authorization: `Bearer ${good}` })).status).toBe(200);
  });

  it('accepts an external issuer by JWKS with the documented claim mapping', async () => {
    const ext = await new SignJWT({ client_id: 'ops-agent', clearance: { task_id: 'ext-task-1', purpose: 'from the IdP', scope: {} } })
      .setProtectedHeader({ alg: 'RS256', kid: 'ext-1' })
      .setIssuer(EXTERNAL_ISSUER)
      .setAudience(config.resource)
      .setSubject('frank')
      .setJti('ext-jti-1')
      .setExpirationTime('5m')
      .sign(external.privateKey);
    const frank = await connect(ext);
    const info = (await frank.callTool({ name: 'session_info', arguments: { reason: 'e2e' } })).structuredContent as {
      human: string;
      agent: string;
      task_id: string;
    };
    expect(info).toMatchObject({ human: 'frank', agent: 'ops-agent', task_id: 'ext-task-1' });
    await frank.close();
  });

  it('binds a session to its grant, checks Origin, and answers oversized or malformed bodies with JSON-RPC errors', async () => {
    const aliceToken = await token('alice', 'claude-code');
    const init = await post({ authorization: `Bearer ${aliceToken}` });
    const sessionId = init.headers.get('mcp-session-id')!;
    expect(sessionId).toBeTruthy();
    const hijack = await post(
      { authorization: `Bearer ${await token('gina', 'claude-code')}`, 'mcp-session-id': sessionId },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    );
    expect(hijack.status).toBe(403);
    const unknown = await post({ authorization: `Bearer ${aliceToken}`, 'mcp-session-id': 'no-such-session' }, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(unknown.status).toBe(404);
    // Foreign origins are refused; the server's own origin and the resource URL's pass (same-origin pages).
    const evil = await post({ authorization: `Bearer ${aliceToken}`, origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({
      error: { message: 'Origin https://evil.example is not allowed; add it to allowedOrigins if pages there may call this server' },
    });
    expect((await post({ authorization: `Bearer ${aliceToken}`, origin: new URL(server.url).origin })).status).toBe(200);
    expect((await post({ authorization: `Bearer ${aliceToken}`, origin: new URL(config.resource).origin })).status).toBe(200);
    expect((await post({ authorization: `Bearer ${aliceToken}`, origin: 'http://localhost:1' })).status).toBe(403);
    const big = await post(
      { authorization: `Bearer ${aliceToken}` },
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { pad: 'x'.repeat(10 * 1024 * 1024) } },
    );
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringMatching(/larger than/) } });
    const broken = await post({ authorization: `Bearer ${aliceToken}` }, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { code: -32700 } });
    // Still serving.
    const client = await connect(aliceToken);
    const invalid = (text: RegExp) => ({ isError: true, content: [{ type: 'text', text: expect.stringMatching(text) }] });
    expect(await client.callTool({ name: 'search', arguments: { query: 'q'.repeat(3000), reason: 'too long' } })).toMatchObject(invalid(/query is limited/));
    expect(await client.callTool({ name: 'search', arguments: { query: 'x', k: 0, reason: 'bad k' } })).toMatchObject(invalid(/- k: k must be at least 1/));
    expect(await client.callTool({ name: 'fetch', arguments: { id: 42, reason: 'bad id' } })).toMatchObject(invalid(/- id: /));
    // One "MCP error" prefix (the client's); the server's message does not carry its own.
    await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(
      /^MCP error -32602: Tool "no_such_tool" is not available to this task; tools\/list names/,
    );
    // Tools only: no logging capability, since no log goes to clients.
    expect(client.getServerCapabilities()).toEqual({ tools: {} });
    expect((await client.callTool({ name: 'session_info', arguments: { reason: 'still alive' } })).isError).toBeFalsy();
    await client.close();
  });
});
