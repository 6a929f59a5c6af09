import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { runCli, startHttpServer } from '../helpers/cli.js';
import { FollowingOAuthClient } from '../helpers/oauth-client.js';
import { freePort, PRE_REGISTERED_CLIENT, startOidcProvider, type TestIdp } from '../helpers/oidc-provider.js';
import { tempWorld, type SearchResults } from '../helpers/world.js';
import { TestClient } from '../helpers/mcp-client.js';

/**
 * Acceptance (#17): a standard MCP client signs in through a real authorization server with the
 * SDK's own OAuth flow — 401 → protected resource metadata → authorization server metadata →
 * authorization code + PKCE with a resource indicator → token → tools/list and search — against
 * `clearance serve --http`, with no hand-minted grant anywhere.
 */
let config: Config;
let idp: TestIdp;
let server: { url: string; child: ChildProcess; stderr: () => string };
const REDIRECT = 'http://127.0.0.1:1/callback';

beforeAll(async () => {
  config = tempWorld();
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  idp = await startOidcProvider({ resource, scope: 'clearance', redirectUri: REDIRECT });
  const configFile = path.join(config.home, '..', 'clearance.config.yaml');
  writeFileSync(
    configFile,
    [
      `resource: ${resource}`,
      'scopes: [clearance]',
      'externalIssuers:',
      `  - issuer: ${idp.issuer}`,
      `    jwksUri: ${idp.issuer}/jwks`,
      '    requiredScopes: [clearance]',
      '    human: { claim: sub }',
      '    agent:',
      '      claims: [client_id]',
      `      clients: [{ client: ${PRE_REGISTERED_CLIENT}, workflow: claude-code }]`,
      '      defaultWorkflow: ops-agent',
      '    groups: { claim: groups, rule: add, map: { "Northwind SRE": sre } }',
      '',
    ].join('\n'),
  );
  expect((await runCli(config, ['ingest'])).status).toBe(0);
  server = await startHttpServer(config, { CLEARANCE_CONFIG: configFile }, ['--port', String(port)]);
});
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await idp?.close();
});

/** The SDK's flow: the first connect is refused (401) and redirects; finishAuth exchanges the code; the second connect works. */
async function signIn(oauth: FollowingOAuthClient): Promise<Client> {
  const first = new StreamableHTTPClientTransport(new URL(server.url), { authProvider: oauth });
  await expect(new TestClient({ name: 'idp-e2e', version: '1' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  expect(oauth.code).toBeTruthy();
  await first.finishAuth(oauth.code!);
  const transport = new StreamableHTTPClientTransport(new URL(server.url), { authProvider: oauth });
  const client = new TestClient({ name: 'idp-e2e', version: '1' });
  await client.connect(transport);
  return client;
}

const search = async (client: Client) =>
  (
    (await client.callTool({ name: 'search', arguments: { query: 'INC-2041', k: 50, mode: 'vector', reason: 'idp e2e' } }))
      .structuredContent as unknown as SearchResults
  ).results;

describe('standard MCP clients sign in through the IdP', () => {
  it('a pre-registered client: code + PKCE + resource indicator, then tools/list and search as the signed-in human', async () => {
    idp.signIn.accountId = 'alice';
    idp.signIn.groups = [];
    const oauth = new FollowingOAuthClient(REDIRECT, PRE_REGISTERED_CLIENT);
    const client = await signIn(oauth);
    const authorize = new URL(oauth.visited[0]!);
    expect(authorize.origin).toBe(idp.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('resource')).toBe(new URL(server.url).href);
    expect(authorize.searchParams.get('scope')).toContain('clearance');
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'check_release',
      'fetch',
      'list_sources',
      'request_access',
      'search',
      'session_info',
    ]);
    expect(new Set((await search(client)).map((r) => r.data_class))).toEqual(new Set(['public', 'internal']));
    const info = (await client.callTool({ name: 'session_info', arguments: { reason: 'who am i' } })).structuredContent as Record<string, unknown>;
    expect(info).toMatchObject({ human: 'alice', agent: 'claude-code', task_id: expect.stringMatching(/^session_/) });
    // The session is its own task, recorded like a minted one.
    const tasks = JSON.parse((await runCli(config, ['task', 'list', '--json'])).stdout) as { task_id: string; issued_by: string; human: string }[];
    expect(tasks.find((t) => t.task_id === info.task_id)).toMatchObject({ human: 'alice', issued_by: `idp:${idp.issuer}` });
    await client.close();
  });

  it('a dynamically registered client gets the default workflow; an IdP group adds to the human policy groups', async () => {
    idp.signIn.accountId = 'gina';
    idp.signIn.groups = ['Northwind SRE'];
    const oauth = new FollowingOAuthClient(REDIRECT);
    const client = await signIn(oauth);
    expect(oauth.clientInformation()?.client_id).not.toBe(PRE_REGISTERED_CLIENT);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['list_sources', 'search', 'session_info']);
    // gina alone reads only public; the IdP's "Northwind SRE" group maps to sre (internal, telemetry).
    expect(new Set((await search(client)).map((r) => r.data_class))).toEqual(new Set(['public', 'internal', 'telemetry']));
    await client.close();
    // Removed from the group at the IdP: the next sign-in gets gina's own answers.
    idp.signIn.groups = [];
    const again = await signIn(new FollowingOAuthClient(REDIRECT));
    expect(new Set((await search(again)).map((r) => r.data_class))).toEqual(new Set(['public']));
    await again.close();
  });
});
