import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditRecords } from '../../src/audit/reader.js';
import type { Config } from '../../src/config/config.js';
import { connectHttp, runCli, startHttpServer, taskToken } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { tempWorld, type SearchResults } from '../helpers/world.js';

/**
 * SCIM 2.0 provisioning (#17 item 7) over real HTTP to `clearance serve --http`: the IdP pushes a
 * person and a group membership, and the policy's group rules apply to them on the next call.
 */
const TOKEN = 'scim-e2e-token-0123456789abcdef0123456789abcdef';
const SCIM_JSON = 'application/scim+json';
/** Each scenario canary and who may read it by the sample policy. */
const CANARIES = ['scanner hit ratio nineteen', 'breakglass rota amber seven', 'credit ledger juniper', 'assessor ledger cobalt', 'halvorsen terminal cutover'];

let config: Config;
let server: { url: string; child: ChildProcess; stderr: () => string };
let scim: string;

beforeAll(async () => {
  config = tempWorld();
  const configFile = path.join(config.home, '..', 'clearance.config.yaml');
  writeFileSync(configFile, ['scim:', '  tokenEnv: CLEARANCE_SCIM_TOKEN', '  human: { stripDomains: [northwind.example] }', ''].join('\n'));
  expect((await runCli(config, ['ingest'])).status).toBe(0);
  server = await startHttpServer(config, { CLEARANCE_CONFIG: configFile, CLEARANCE_SCIM_TOKEN: TOKEN });
  scim = `${new URL(server.url).origin}/scim/v2`;
});
afterAll(() => server?.child.kill('SIGTERM'));

async function call(
  method: string,
  route: string,
  body?: unknown,
  token = TOKEN,
): Promise<{ status: number; type: string | null; json: Record<string, unknown> | null }> {
  const res = await fetch(`${scim}${route}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': SCIM_JSON }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The canaries a session's searches return, each searched for by its own words. */
async function canaries(client: Client): Promise<string[]> {
  const found: string[] = [];
  for (const phrase of CANARIES) {
    const result = await client.callTool({ name: 'search', arguments: { query: phrase, k: 20, reason: 'scim e2e' } });
    if (result.isError) throw new Error(`search refused: ${JSON.stringify(result.content)}`);
    if ((result.structuredContent as unknown as SearchResults).results.some((r) => r.text.includes(phrase))) found.push(phrase);
  }
  return found;
}

describe('SCIM 2.0 provisioning at /scim/v2', () => {
  it('a guessable token is refused at startup, naming the variable and the fix', async () => {
    const configFile = path.join(config.home, '..', 'clearance.config.yaml');
    await expect(startHttpServer(config, { CLEARANCE_CONFIG: configFile, CLEARANCE_SCIM_TOKEN: 'short' })).rejects.toThrow(
      /CLEARANCE_SCIM_TOKEN, which is shorter than 32 characters; set it to a random token/,
    );
  });

  it('refuses a missing or wrong bearer token with 401 and a SCIM error; serves discovery as application/scim+json', async () => {
    for (const token of ['', 'not-the-token']) {
      const refused = await call('GET', '/Users', undefined, token);
      expect(refused.status).toBe(401);
      expect(refused.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
    }
    const config = await call('GET', '/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.type).toMatch(/^application\/scim\+json/);
    expect(config.json).toMatchObject({ patch: { supported: true }, filter: { supported: true } });
    expect((await call('GET', '/ResourceTypes')).json).toMatchObject({ totalResults: 2 });
    expect((await call('GET', '/Schemas')).json).toMatchObject({ totalResults: 2 });
  });

  it('refuses malformed bodies and filters with 400 and the scimType that names the problem', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/Users', '{"schemas": [', 'invalidSyntax'],
      ['POST', '/Users', { schemas: [USER] }, 'invalidSyntax'],
      ['POST', '/Users', { schemas: [USER], userName: 'Not A Policy Id!' }, 'invalidValue'],
      ['POST', '/Users', { schemas: [GROUP], userName: 'someone' }, 'invalidValue'],
      ['POST', '/Groups', { schemas: [GROUP], displayName: 'Security Team' }, 'invalidValue'],
      ['GET', '/Users?filter=userName%20sw%20%22a%22', undefined, 'invalidFilter'],
      ['GET', '/Users?filter=emails%20eq%20%22a%22', undefined, 'invalidFilter'],
    ];
    for (const [method, route, body, scimType] of cases) {
      const r = await call(method, route, body);
      expect(r.status, `${method} ${route} ${JSON.stringify(body)}`).toBe(400);
      expect(r.json, `${method} ${route}`).toMatchObject({ status: '400', scimType });
      expect(typeof r.json?.detail).toBe('string');
    }
  });

  it('a provisioned user added to a group gets exactly that group’s canaries; removed, the next call loses them; deactivated, the next call is refused', async () => {
    const created = await call('POST', '/Users', { schemas: [USER], userName: 'Hana@northwind.example', displayName: 'Hana', active: true });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const userId = created.json!.id as string;
    expect(created.json).toMatchObject({ userName: 'Hana@northwind.example', active: true, meta: { resourceType: 'User' } });
    const group = await call('POST', '/Groups', { schemas: [GROUP], displayName: 'security', members: [{ value: userId }] });
    expect(group.status, JSON.stringify(group.json)).toBe(201);
    const groupId = group.json!.id as string;

    // Filters find exactly the provisioned resources (userName case-insensitively).
    expect((await call('GET', `/Users?filter=${encodeURIComponent('userName eq "hana@NORTHWIND.example"')}`)).json).toMatchObject({
      totalResults: 1,
      Resources: [{ id: userId }],
    });
    expect((await call('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody"')}`)).json).toMatchObject({ totalResults: 0 });
    expect((await call('GET', `/Groups?filter=${encodeURIComponent('displayName eq "security"')}`)).json).toMatchObject({
      totalResults: 1,
      Resources: [{ id: groupId, members: [{ value: userId }] }],
    });
    expect((await call('POST', '/Users', { schemas: [USER], userName: 'hana@northwind.example' })).json).toMatchObject({
      status: '409',
      scimType: 'uniqueness',
    });

    // The oracle: carol, a people.csv member of the same group and nothing else, via the same agent.
    const carol = await connectHttp(server.url, await taskToken(config, 'carol', 'claude-code', 'scim oracle'), 'scim-carol');
    const expected = await canaries(carol);
    expect(expected).toEqual(['scanner hit ratio nineteen']);
    const hanaToken = await taskToken(config, 'hana', 'claude-code', 'scim e2e');
    const hana = await connectHttp(server.url, hanaToken, 'scim-hana');
    expect(await canaries(hana)).toEqual(expected);

    // Removed from the group: the open session's next call no longer reads the group's documents.
    const removed = await call('PATCH', `/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }] });
    expect(removed.status, JSON.stringify(removed.json)).toBe(200);
    expect(removed.json).toMatchObject({ members: [] });
    expect(await canaries(hana)).toEqual([]);
    const readdedWith = await call('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }],
    });
    expect(readdedWith.json).toMatchObject({ members: [{ value: userId }] });
    expect(await canaries(hana)).toEqual(expected);

    // Deactivated (as Entra ID sends it): the next call is refused, and so is a new session.
    const inactive = await call('PATCH', `/Users/${userId}`, { schemas: [PATCH], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(inactive.json).toMatchObject({ active: false });
    await expect(hana.callTool({ name: 'search', arguments: { query: CANARIES[0]!, reason: 'after deprovisioning' } })).rejects.toThrow(
      /no longer known to the policy/,
    );
    await expect(connectHttp(server.url, hanaToken, 'scim-hana-2')).rejects.toThrow(/403|unknown human/);
    expect((await runCli(config, ['task', 'start', '--owner', 'hana', '--agent', 'claude-code', '--purpose', 'after', '--token-only'])).status).not.toBe(0);
    const deleted = await call('DELETE', `/Users/${userId}`);
    expect(deleted.status).toBe(204);
    expect((await call('GET', `/Users/${userId}`)).json).toMatchObject({ status: '404' });
    expect((await call('GET', `/Groups/${groupId}`)).json).toMatchObject({ members: [] });
    await carol.close();

    // Every change is an audit record naming the SCIM client.
    const changes = (await readAuditRecords(config.auditDir)).filter((r) => r.kind === 'admin' && r.actor === 'scim:idp');
    expect(changes.map((r) => (r as { action: string }).action)).toEqual([
      'scim.user.created',
      'scim.group.created',
      'scim.group.patched',
      'scim.group.patched',
      'scim.user.patched',
      'scim.user.deleted',
    ]);
    expect(changes[0]).toMatchObject({ target: 'user:hana', actor_auth: 'bearer:CLEARANCE_SCIM_TOKEN' });
  });

  it('deprovisioning wins over people.csv: a deactivated people.csv human is refused on the next call, on another replica too', async () => {
    const token = await taskToken(config, 'dan', 'claude-code', 'before deprovisioning');
    const dan = await connectHttp(server.url, token, 'scim-dan');
    const replica = await startHttpServer(config, {}, ['--replica-id', 'scim-second']);
    const elsewhere = await connectHttp(replica.url, token, 'scim-dan-elsewhere');
    const refusedThere = async () =>
      elsewhere.callTool({ name: 'session_info', arguments: { reason: 'on the other replica' } }).then(
        () => false,
        (err: Error) => /no longer known/.test(err.message),
      );
    try {
      expect((await dan.callTool({ name: 'session_info', arguments: { reason: 'who am i' } })).isError).toBeFalsy();
      expect(await refusedThere()).toBe(false);
      const created = await call('POST', '/Users', { schemas: [USER], userName: 'dan', active: false });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      await expect(dan.callTool({ name: 'session_info', arguments: { reason: 'after' } })).rejects.toThrow(/no longer known to the policy/);
      // The other replica follows the directory in the store at its next poll (the 1 s freshness bound).
      await waitFor(refusedThere, { what: 'the second replica refuses dan' });
      // Active again through SCIM: people.csv memberships apply as before.
      expect(
        (await call('PATCH', `/Users/${created.json!.id as string}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] })).json,
      ).toMatchObject({ active: true });
      expect((await dan.callTool({ name: 'session_info', arguments: { reason: 'reinstated' } })).isError).toBeFalsy();
      await dan.close();
    } finally {
      replica.child.kill('SIGTERM');
    }
  });
});
