import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.js';
import { identityFromGrant, type TaskGrant } from '../../src/identity/grant.js';
import { loadOrCreateSigningKey } from '../../src/identity/keys.js';
import { GrantVerifier } from '../../src/identity/verify.js';
import { createHttpApp, listen } from '../../src/mcp/http.js';
import { SessionRefused, type SessionDeps } from '../../src/mcp/session.js';
import { computeAuthority } from '../../src/policy/authority.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { entraPayload, keycloakPayload, OKTA_SUB_BOB, oktaPayload, startLocalIdp, type LocalIdp } from '../helpers/idp-tokens.js';
import { assertBearerChallenge } from '../helpers/www-authenticate.js';
import { REPO } from '../helpers/world.js';

let idp: LocalIdp;
let config: Config;
let verifier: GrantVerifier;
let policy: PolicyEngine;
let server: Server;
let url: string;

beforeAll(async () => {
  idp = await startLocalIdp();
  const home = mkdtempSync(path.join(tmpdir(), 'clearance-idp-'));
  config = loadConfig({ cwd: home, env: {}, flags: { externalIssuers: Object.values(idp.issuers), scopes: ['clearance'] } });
  verifier = new GrantVerifier(await loadOrCreateSigningKey(config.keysDir), config);
  policy = await PolicyEngine.load(path.join(REPO, 'policy'));
  // Only admission is real here: every request below is refused before a session would start.
  const deps = {
    audit: { recordProtocol: async () => undefined },
    admit: async (grant: TaskGrant) => {
      if (!policy.isHuman(grant.human)) throw new SessionRefused(`unknown human: the token's human is not known to the policy`);
      if (!policy.isAgent(grant.agent)) throw new SessionRefused(`unknown client: no agent workflow "${grant.agent}"`);
      throw new Error('not reached in this test');
    },
  } as unknown as SessionDeps;
  const http = createHttpApp(config, deps, verifier, 'http://127.0.0.1');
  server = await listen(http.app, '127.0.0.1', 0);
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});
afterAll(() => {
  server?.close();
  idp?.close();
});

const classesOf = (grant: TaskGrant) =>
  computeAuthority(policy, identityFromGrant(grant, 'run_t', 'test'), [])
    .classes.map((c) => c.id)
    .sort();

describe('identity-provider tokens map to the right human, agent and groups', () => {
  it('Entra ID: upn with the domain stripped, azp through the client map, app roles added to policy groups, uti as the token id', async () => {
    const grant = await verifier.verify(await idp.sign(entraPayload(idp, 'Gina@Northwind.Example', ['Clearance.Engineering', 'Unmapped.Role'])));
    expect(grant).toMatchObject({
      human: 'gina',
      agent: 'claude-code',
      jti: 'rD1vQ9zRcEaJxXmW8C5kAA',
      sessionTask: true,
      groups: { rule: 'add', ids: ['engineering'] },
    });
    expect(classesOf(grant)).toEqual(['internal', 'public']);
    // Removing the role at the IdP: the next token has only gina's own people.csv rights.
    const without = await verifier.verify(await idp.sign(entraPayload(idp, 'gina@northwind.example', [])));
    expect(classesOf(without)).toEqual(['public']);
  });

  it('Okta: a 00u… subject through the explicit map, cid through the client map, groups claim', async () => {
    const grant = await verifier.verify(await idp.sign(oktaPayload(idp, config.resource, OKTA_SUB_BOB, ['Support Team', 'Everyone'])));
    expect(grant).toMatchObject({ human: 'bob', agent: 'support-assistant', jti: 'AT.okta-1', groups: { ids: ['support'] } });
    expect(classesOf(grant)).toEqual(['customer', 'public']);
    // A dynamically registered client (not in the map) gets the configured default workflow.
    const dynamic = await verifier.verify(await idp.sign(oktaPayload(idp, config.resource, OKTA_SUB_BOB, [], { cid: 'dyn-7f3a9c1e2b' })));
    expect(dynamic).toMatchObject({ human: 'bob', agent: 'ops-agent', client: 'dyn-7f3a9c1e2b' });
  });

  it('Keycloak: preferred_username, a URL-form client id through a pattern, realm roles replacing people.csv groups', async () => {
    const alice = await verifier.verify(await idp.sign(keycloakPayload(idp, config.resource, 'Alice', ['security-team'])));
    expect(alice).toMatchObject({ human: 'alice', agent: 'ops-agent', jti: 'kc-jti-1', groups: { rule: 'replace', ids: ['security'] } });
    // replace: alice's people.csv engineering membership no longer counts; security's internal does.
    const authority = computeAuthority(policy, identityFromGrant(alice, 'run_t', 'test'), []);
    expect(authority.principals).toEqual(['*', 'group:everyone', 'group:security', 'user:alice']);
    expect(classesOf(alice)).toEqual(['internal', 'public']);
    const noRoles = await verifier.verify(await idp.sign(keycloakPayload(idp, config.resource, 'alice', [])));
    expect(classesOf(noRoles)).toEqual(['public']);
  });

  it('identifies a token with neither jti nor uti by its hash', async () => {
    const grant = await verifier.verify(await idp.sign(entraPayload(idp, 'alice@northwind.example', [], { uti: undefined })));
    expect(grant.jti).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
};
const post = (headers: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(initialize),
  });

describe('every refusal has the right status and a well-formed RFC 6750 challenge', () => {
  it('answers a missing token with 401 and no error code, advertising the scopes', async () => {
    const res = await post({});
    expect(res.status).toBe(401);
    const challenge = assertBearerChallenge(res.headers.get('www-authenticate'), { status: 401 });
    expect(challenge.params).toEqual({ resource_metadata: 'http://127.0.0.1/.well-known/oauth-protected-resource/mcp', scope: 'clearance' });
  });

  it('refuses invalid tokens with 401 invalid_token and valid-but-unknown ones with 403 insufficient_scope', async () => {
    const good = entraPayload(idp, 'alice@northwind.example', []);
    const signed = await idp.sign(good);
    const [h, , s] = signed.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...good, upn: 'carol@northwind.example' })).toString('base64url')}.${s}`;
    const hs256 = await new SignJWT(good)
      .setProtectedHeader({ alg: 'HS256', kid: 'idp-1' })
      .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'));
    const none = new UnsecuredJWT(good).encode();
    const cases: [string, string, number, string][] = [
      ['wrong audience', await idp.sign({ ...good, aud: 'api://someone-else' }), 401, 'invalid_token'],
      ['expired', await idp.sign({ ...good, exp: Math.floor(Date.now() / 1000) - 120 }), 401, 'invalid_token'],
      ['unknown issuer', await idp.sign({ ...good, iss: 'https://evil.example/v2.0' }), 401, 'invalid_token'],
      ['HS256', hs256, 401, 'invalid_token'],
      ['alg none', none, 401, 'invalid_token'],
      ['tampered', tampered, 401, 'invalid_token'],
      ['unknown human', await idp.sign(entraPayload(idp, 'mallory@northwind.example', [])), 403, 'insufficient_scope'],
      ['unknown client', await idp.sign({ ...good, azp: 'c0ffee00-dyn-registered' }), 403, 'insufficient_scope'],
      ['unknown URL-form client', await idp.sign({ ...good, azp: 'https://unknown.example/client.json' }), 403, 'insufficient_scope'],
      ['missing scope', await idp.sign({ ...good, scp: 'openid' }), 403, 'insufficient_scope'],
      ['no human claim', await idp.sign({ ...good, upn: undefined }), 403, 'insufficient_scope'],
      ['description with quotes', await idp.sign({ ...good, azp: 'evil"client\\name' }), 403, 'insufficient_scope'],
    ];
    for (const [name, token, status, error] of cases) {
      const res = await post({ authorization: `Bearer ${token}` });
      expect(res.status, name).toBe(status);
      const challenge = assertBearerChallenge(res.headers.get('www-authenticate'), { status, error });
      expect(challenge.params.error_description, name).toBeTruthy();
      expect(await res.text(), name).not.toMatch(/INC-\d+/);
    }
    const malformed = await post({ authorization: 'Basic YWxpY2U6cHc=' });
    expect(malformed.status).toBe(400);
    assertBearerChallenge(malformed.headers.get('www-authenticate'), { status: 400, error: 'invalid_request' });
  });

  it('publishes scopes_supported and every configured issuer as an authorization server', async () => {
    const meta = (await (await fetch(new URL('/.well-known/oauth-protected-resource/mcp', url))).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      resource: config.resource,
      scopes_supported: ['clearance'],
      authorization_servers: Object.values(idp.issuers).map((i) => i.issuer),
    });
  });
});
