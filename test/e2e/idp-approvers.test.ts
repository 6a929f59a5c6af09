import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { ExternalIssuerSchema } from '../../src/config/identity-providers.js';
import { deviceLogin } from '../../src/identity/device-login.js';
import { TestBrowser } from '../helpers/browser.js';
import { connectHttp, runCli, spawnCli, startHttpServer } from '../helpers/cli.js';
import { ADMIN_SCOPE, CLI_CLIENT, freePort, startOidcProvider, type TestIdp } from '../helpers/oidc-provider.js';
import { waitFor } from '../helpers/wait.js';
import { tempWorld, type SearchResults } from '../helpers/world.js';

/**
 * #17 build item 6: approvers and admins sign in through the organisation's IdP. `clearance login`
 * runs the device authorization grant (RFC 8628) against a real oidc-provider on 127.0.0.1; the
 * test plays the person's browser. No hand-minted token anywhere.
 */
let config: Config;
let configFile: string;
let idp: TestIdp;
let server: { url: string; child: ChildProcess; stderr: () => string };
let resource: string;
const ADMIN_AUDIENCE = 'https://admin.clearance.northwind.example';

beforeAll(async () => {
  config = tempWorld();
  const port = await freePort();
  resource = `http://127.0.0.1:${port}/mcp`;
  idp = await startOidcProvider({ resource, scope: 'clearance', redirectUri: 'http://127.0.0.1:1/callback', adminAudience: ADMIN_AUDIENCE });
  configFile = path.join(config.home, '..', 'clearance.config.yaml');
  writeFileSync(
    configFile,
    [
      `resource: ${resource}`,
      'externalIssuers:',
      `  - issuer: ${idp.issuer}`,
      '    name: northwind',
      `    jwksUri: ${idp.issuer}/jwks`,
      '    human: { claim: sub }',
      `    admin: { audience: "${ADMIN_AUDIENCE}", clientId: ${CLI_CLIENT}, scopes: [openid, ${ADMIN_SCOPE}] }`,
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

const cli = (args: string[], extra: Record<string, string> = {}) => runCli(config, args, { CLEARANCE_CONFIG: configFile, ...extra });
const signedIn = (token: string, args: string[]) => cli(args, { CLEARANCE_IDP_TOKEN: token });

/** The person's side of the device grant: open the link the CLI printed, sign in, confirm. */
async function approveInBrowser(link: string, accountId: string): Promise<void> {
  idp.signIn.accountId = accountId;
  expect(await new TestBrowser().submitThrough(link)).toMatch(/Sign-in Success/);
}

/** `clearance login --issuer northwind` as `accountId`: resolves with its exit status, stdout and stderr. */
async function login(accountId: string, extra: string[] = []): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const { out, done } = spawnCli(config, ['login', '--issuer', 'northwind', ...extra], { CLEARANCE_CONFIG: configFile });
  const link = await waitFor(() => /\(or open (\S+)\)/.exec(out.stderr)?.[1], { timeoutMs: 600_000, what: 'the device-code link on stderr' });
  expect(out.stderr).toMatch(/enter the code [A-Z]{4}-[A-Z]{4}/);
  await approveInBrowser(link, accountId);
  const result = await done;
  return { ...result, stdout: result.stdout.trim() };
}

async function aliceRequestsTelemetry(): Promise<{ requestId: string; search: () => Promise<Set<string>> }> {
  // Minted under this config, so the grant's audience is this server's resource.
  const grant = (await cli(['task', 'start', '--owner', 'alice', '--agent', 'claude-code', '--purpose', 'idp approvers e2e', '--token-only'])).stdout.trim();
  const alice = await connectHttp(server.url, grant, 'idp-approvers');
  const search = async () =>
    new Set(
      (
        (await alice.callTool({ name: 'search', arguments: { query: 'INC-2041 alert', k: 50, mode: 'vector', reason: 'check reach' } }))
          .structuredContent as unknown as SearchResults
      ).results.map((r) => r.data_class),
    );
  expect((await search()).has('telemetry')).toBe(false);
  const req = (await alice.callTool({ name: 'request_access', arguments: { class: 'telemetry', reason: 'need the alert timeline' } })).structuredContent as {
    request_id: string;
  };
  return { requestId: req.request_id, search };
}

describe('approvers and admins sign in through the IdP', () => {
  it('frank signs in with the device grant and approves alice; the record names the issuer and subject', async () => {
    const frank = await login('frank');
    expect(frank.status, frank.stderr).toBe(0);
    expect(frank.stderr).toContain(`Signed in as frank (idp:${idp.issuer}#frank)`);
    const { requestId, search } = await aliceRequestsTelemetry();

    const approved = await signedIn(frank.stdout, ['approvals', 'approve', requestId, '--ttl', '1h']);
    expect(approved.stderr).toBe('');
    expect(approved.stdout).toMatch(/approved .*alice may read class telemetry/);
    expect((await search()).has('telemetry')).toBe(true);
    const rows = JSON.parse((await cli(['approvals', 'list', '--json'])).stdout) as { id: string; decided_by: string; decided_auth: string }[];
    expect(rows.find((r) => r.id === requestId)).toMatchObject({ decided_by: 'frank', decided_auth: `idp:${idp.issuer}#frank` });
    // The hash-chained admin record (what packets and traces show) names them the same way.
    const adminRecords = readFileSync(path.join(config.auditDir, 'local-cli.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; actor: string; actor_auth: string; detail: { request?: string } });
    expect(adminRecords.find((r) => r.action === 'approval.approve' && r.detail.request === requestId)).toMatchObject({
      actor: 'frank',
      actor_auth: `idp:${idp.issuer}#frank`,
    });

    // The kill-switch owner kills and revives under their IdP identity; the switch names it.
    expect((await signedIn(frank.stdout, ['kill', '--human', 'dan', '--reason', 'idp e2e'])).status).toBe(0);
    const status = JSON.parse((await cli(['status', '--json'])).stdout) as { switches: { value: string; actor: string; actor_auth: string }[] };
    expect(status.switches.find((s) => s.value === 'dan')).toMatchObject({ actor: 'frank', actor_auth: `idp:${idp.issuer}#frank` });
    expect((await signedIn(frank.stdout, ['revive', '--human', 'dan'])).status).toBe(0);
    // Minting credentials, publishing policy, starting tasks, ingesting and purging the audit log are
    // the server owner's (carol), not the kill-switch owner's: each refused before it does anything.
    const versionsBefore = (await cli(['policy', 'versions', '--json'])).stdout;
    for (const args of [
      ['approvals', 'credential', '--human', 'erin'],
      ['policy', 'apply', '--message', 'frank tries'],
      ['task', 'start', '--owner', 'frank', '--agent', 'ops-agent', '--purpose', 'frank tries', '--token-only'],
      ['ingest'],
      ['audit', 'purge', '--older-than', '400d'],
    ]) {
      const refused = await signedIn(frank.stdout, args);
      expect(refused.status, args.join(' ')).toBe(1);
      expect(refused.stderr, args.join(' ')).toMatch(/^clearance: frank may not run this command: it is for the server's human_owner/);
    }
    expect((await cli(['policy', 'versions', '--json'])).stdout).toBe(versionsBefore);
  });

  it("a non-approver's IdP token, an unknown human and a token for the MCP resource are refused, each saying what to do", async () => {
    const { requestId } = await aliceRequestsTelemetry();
    const bob = await login('bob', ['--json']);
    expect(bob.status, bob.stderr).toBe(0);
    const bobLogin = JSON.parse(bob.stdout) as { human: string; auth: string; access_token: string };
    expect(bobLogin).toMatchObject({ human: 'bob', auth: `idp:${idp.issuer}#bob` });
    expect((await signedIn(bobLogin.access_token, ['approvals', 'approve', requestId])).stderr).toMatch(/bob is not an approver for class "telemetry"/);
    expect((await signedIn(bobLogin.access_token, ['kill', '--all', '--reason', 'x'])).stderr).toMatch(
      /bob may not run this command: it is for the kill_switch_owner/,
    );

    const mallory = await login('mallory');
    expect(mallory.status).toBe(1);
    expect(mallory.stdout).toBe('');
    expect(mallory.stderr).toMatch(/clearance: the IdP signed you in as "mallory" .*not in policy\/people\.csv\. Add them there/);

    // frank's token for the MCP resource (what an agent acting for him holds) must not approve.
    const settings = ExternalIssuerSchema.parse({
      issuer: idp.issuer,
      jwksUri: `${idp.issuer}/jwks`,
      admin: { audience: resource, clientId: CLI_CLIENT, scopes: ['openid', 'clearance'] },
    });
    const agentToken = await deviceLogin(settings, (prompt) => void approveInBrowser(prompt.verification_uri_complete!, 'frank'));
    expect(JSON.parse(Buffer.from(agentToken.split('.')[1]!, 'base64url').toString()).aud).toBe(resource);
    const refused = await signedIn(agentToken, ['approvals', 'approve', requestId]);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^clearance: the IdP token is not for Clearance's approver and admin audience "${ADMIN_AUDIENCE}"\\. Get one with \`clearance login --issuer northwind\``,
      ),
    );
    const pending = JSON.parse((await cli(['approvals', 'list', '--status', 'pending', '--json'])).stdout) as { id: string }[];
    expect(pending.map((r) => r.id)).toContain(requestId);
  });
});
