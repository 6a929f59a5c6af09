import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditRecords } from '../../src/audit/reader.js';
import type { AdminEvent } from '../../src/audit/record.js';
import type { Config } from '../../src/config/config.js';
import { runCli, startHttpServer } from '../helpers/cli.js';
import { launchChromium, startConsoleIdp, XSS } from '../helpers/console-browser.js';
import type { TestIdp } from '../helpers/oidc-provider.js';
import { waitFor } from '../helpers/wait.js';
import { REPO, tempWorld, type SearchResults } from '../helpers/world.js';
import { TestClient } from '../helpers/mcp-client.js';

let config: Config;
let server: ChildProcess;
let base: string;
let mcpUrl: string;
let browser: Browser;
let idp: TestIdp;
const violations: string[] = [];

const credential = async (human: string) => (await runCli(config, ['console', 'credential', '--human', human])).stdout.trim();

async function mcpClient(bearer: string): Promise<Client> {
  const client = new TestClient({ name: 'console-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } }));
  return client;
}

const telemetrySearch = (client: Client) =>
  client.callTool({ name: 'search', arguments: { query: 'INC-2041 checkout latency export p95 eu-west', k: 8, reason: `latency curve ${XSS}` } }) as Promise<{
    structuredContent?: SearchResults;
  }>;

/** A signed-in browser page that records every CSP violation, page error and script run. */
async function signIn(human: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Runs in the page before its own content (the page has no DOM types here, so it is passed as source).
  await context.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => console.log('CSP-VIOLATION ' + e.violatedDirective + ' ' + e.blockedURI));",
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.text().startsWith('CSP-VIOLATION')) violations.push(m.text());
  });
  page.on('pageerror', (e) => violations.push(`pageerror ${e.message}`));
  page.on('dialog', (d) => violations.push(`dialog ${d.message()}`));
  await page.goto(`${base}/console/login`);
  await page.fill('#credential', await credential(human));
  await page.click('#sign-in');
  await page.waitForURL(/\/console\/approvals$/);
  expect(await page.textContent('#signed-in-as')).toBe(human);
  return page;
}

async function noScriptRan(page: Page): Promise<void> {
  expect(await page.evaluate(() => (globalThis as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  expect(violations).toEqual([]);
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(REPO, 'docs/console', `${name}.png`), fullPage: true });

/** A POST as someone (or nobody), with the form token their own page carries. */
async function postAs(credentialToken: string | null, url: string, form: Record<string, string>): Promise<number> {
  const cookie = credentialToken ? `clearance_console=${credentialToken}` : '';
  let csrf = '';
  if (credentialToken) {
    const page = await fetch(`${base}/console/sources`, { headers: { cookie } });
    csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    expect(csrf).not.toBe('');
  }
  const res = await fetch(`${base}${url}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form, _csrf: csrf }).toString(),
    redirect: 'manual',
  });
  return res.status;
}

beforeAll(async () => {
  config = tempWorld();
  // A source title planted with the payloads: the Sources page shows it.
  const corpus = path.join(config.corporaDir, 'eng-docs/corpus.yaml');
  writeFileSync(corpus, readFileSync(corpus, 'utf8').replace(/^title: .*$/m, `title: ${JSON.stringify(`Engineering ${XSS}`)}`));
  expect((await runCli(config, ['ingest'])).status).toBe(0);
  const started = await startConsoleIdp(config);
  idp = started.idp;
  const http = await startHttpServer(config, { CLEARANCE_CONFIG: started.configFile }, ['--port', String(started.port)]);
  server = http.child;
  mcpUrl = http.url;
  base = new URL(http.url).origin;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGKILL');
  await idp?.close();
});

describe('the web console in headless Chromium', () => {
  it('frank approves alice, an auditor reads the run, frank kills the task; planted markup stays text; refusals are 403 and audited', async () => {
    const task = JSON.parse(
      (await runCli(config, ['task', 'start', '--owner', 'alice', '--agent', 'claude-code', '--purpose', `INC-2041 review ${XSS}`, '--json'])).stdout,
    ) as { task_id: string; token: string };
    const alice = await mcpClient(task.token);
    const before = await telemetrySearch(alice);
    expect(before.structuredContent!.results.some((r) => r.data_class === 'telemetry')).toBe(false);
    const asked = (await alice.callTool({
      name: 'request_access',
      arguments: { class: 'telemetry', reason: `need the latency export ${XSS}` },
    })) as unknown as {
      structuredContent: { request_id: string };
    };
    const requestId = asked.structuredContent.request_id;

    // Refusals: anonymous, an auditor who is not the target's approver, an auditor pulling the switch, a form without its token.
    const erinCredential = await credential('erin');
    const frankCredential = await credential('frank');
    expect(await postAs(null, '/console/kill', { scope: 'all', reason: 'anonymous' })).toBe(403);
    expect(await postAs(erinCredential, `/console/approvals/${requestId}/approve`, { ttl: '2h' })).toBe(403);
    expect(await postAs(erinCredential, '/console/kill', { scope: 'task', value: task.task_id, reason: 'auditor' })).toBe(403);
    const noToken = await fetch(`${base}/console/kill`, {
      method: 'POST',
      headers: { cookie: `clearance_console=${frankCredential}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'scope=all&reason=forged',
    });
    expect(noToken.status).toBe(403);
    const refused = (await readAuditRecords(config.auditDir)).filter((r): r is AdminEvent & typeof r => r.kind === 'admin' && r.action === 'console.refused');
    expect(refused.map((r) => `${r.actor}:${r.target}`)).toEqual(['anonymous:kill', 'erin:approval.approve', 'erin:kill', 'frank:kill']);

    // An approver who is not the target's approver does not even see the request.
    const erin = await signIn('erin');
    expect(await erin.locator(`[data-request="${requestId}"]`).count()).toBe(0);

    // frank approves; the agent's reason and the task purpose show as literal text.
    const frank = await signIn('frank');
    const card = frank.locator(`[data-request="${requestId}"]`);
    expect(await card.locator('.reason').textContent()).toBe(`need the latency export ${XSS}`);
    expect(await card.locator('.purpose').textContent()).toBe(`INC-2041 review ${XSS}`);
    expect(await card.locator('.asked').textContent()).toMatch(/^1 time\(s\)/);
    await shot(frank, 'approvals');
    await noScriptRan(frank);
    await card.locator('button.approve').click();
    await frank.waitForURL(/\/console\/approvals$/);
    expect(await frank.locator(`[data-request="${requestId}"]`).count()).toBe(0);
    const after = await waitFor(
      async () => {
        const r = await telemetrySearch(alice);
        return r.structuredContent!.results.some((x) => x.data_class === 'telemetry') && r;
      },
      { what: "alice's search to include telemetry after the approval" },
    );
    expect(after.structuredContent!.results.some((r) => r.data_class === 'telemetry')).toBe(true);

    // erin, an auditor, opens the run's timeline and packet.
    // Filters: boundary pressure (alice was withheld telemetry and asked for it), a window after everything, a time that is no time.
    await erin.goto(`${base}/console/runs?human=alice&pressure=yes`);
    expect(await erin.locator('tr.run').count()).toBe(1);
    await erin.goto(`${base}/console/runs?human=alice&since=2099-01-01T00:00`);
    expect(await erin.locator('tr.run').count()).toBe(0);
    expect((await erin.goto(`${base}/console/runs?since=yesterday`))!.status()).toBe(400);
    expect(await erin.textContent('.notice')).toMatch(/^since: "yesterday" is not a time/);
    await erin.goto(`${base}/console/runs?human=alice`);
    await shot(erin, 'runs');
    await erin.locator('a.run-link').first().click();
    await erin.waitForURL(/\/console\/runs\/[^/]+$/);
    expect(await erin.locator('td.class', { hasText: 'telemetry' }).count()).toBeGreaterThan(0);
    expect(await erin.locator('.call .reason').first().textContent()).toContain(XSS);
    await shot(erin, 'run-timeline');
    await noScriptRan(erin);
    await erin.click('#packet-link');
    await erin.waitForURL(/\/packet$/);
    expect(await erin.locator('.packet-field', { hasText: 'Human approval' }).textContent()).toMatch(/approval\.approve .* by frank/);

    // frank kills alice's task from the console; her next call is refused.
    await frank.goto(`${base}/console/kill`);
    await frank.selectOption('#kill-scope', 'task');
    await frank.fill('#kill-value', task.task_id);
    await frank.fill('#kill-reason', `runaway agent ${XSS}`);
    await frank.click('#kill');
    await frank.waitForURL(/\/console\/kill$/);
    expect(await frank.locator('tr.switch .reason').textContent()).toBe(`runaway agent ${XSS}`);
    // The effect is visible: this serving process's watcher picks the switch up and is fresh.
    await waitFor(async () => (await frank.reload(), /^1 active switch/.test((await frank.textContent('#watcher-holds')) ?? '')), {
      what: 'the watcher to hold the new switch',
    });
    expect(await frank.textContent('#watcher-status')).toMatch(/^fresh: last poll 20\d\d-/);
    await shot(frank, 'kill-switch');
    const refusal = await waitFor(
      () =>
        telemetrySearch(alice).then(
          () => undefined,
          (err: unknown) => err as Error,
        ),
      { intervalMs: 20, what: "alice's call to be refused after the kill" },
    );
    expect(refusal.message).toMatch(/Stopped by kill switch/);

    // Sources and policy: the planted source title is text too.
    await frank.goto(`${base}/console/sources`);
    expect(await frank.locator('td.title', { hasText: 'Engineering' }).textContent()).toBe(`Engineering ${XSS}`);
    await shot(frank, 'sources');
    await noScriptRan(frank);

    const actions = (await readAuditRecords(config.auditDir)).filter((r): r is AdminEvent & typeof r => r.kind === 'admin');
    expect(actions.find((a) => a.action === 'approval.approve')).toMatchObject({ actor: 'frank', actor_auth: expect.stringMatching(/^console-credential:/) });
    expect(actions.find((a) => a.action === 'kill')).toMatchObject({ actor: 'frank', target: task.task_id });
    expect(actions.filter((a) => a.action === 'console.signin').map((a) => a.actor)).toEqual(['erin', 'frank']);
    await alice.close().catch(() => undefined);
  });

  it('signs a person in through the identity provider (code + PKCE, state and nonce checked), mapped like agent tokens; failures are 401 and audited', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // The IdP's subject is an opaque id; the issuer's human mapping makes it frank.
    idp.signIn.accountId = '00u-frank';
    await page.goto(`${base}/console/login`);
    await page.click('#sign-in-oidc-0');
    await page.waitForURL(/\/console\/approvals$/);
    expect(await page.textContent('#signed-in-as')).toBe('frank');
    // An action as the OIDC session records issuer and subject.
    await page.goto(`${base}/console/kill`);
    await page.selectOption('#kill-scope', 'agent');
    await page.fill('#kill-value', 'ops-agent');
    await page.fill('#kill-reason', 'oidc drill');
    await page.click('#kill');
    await page.waitForURL(/\/console\/kill$/);

    // A callback whose state is not this browser's transaction's is refused, as is one with no transaction at all.
    const start = await fetch(`${base}/console/login/oidc/0`, { redirect: 'manual' });
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const transaction = /clearance_console_oidc=([^;]+)/.exec(start.headers.get('set-cookie') ?? '')![1]!;
    const forged = await fetch(`${base}/console/login/oidc/callback?${new URLSearchParams({ code: 'x', state: 'forged', iss: idp.issuer })}`, {
      headers: { cookie: `clearance_console_oidc=${transaction}` },
    });
    expect(forged.status).toBe(401);
    const none = await fetch(`${base}/console/login/oidc/callback?code=x&state=${authorize.searchParams.get('state')}`);
    expect(none.status).toBe(401);

    // A subject the policy does not know is no one.
    idp.signIn.accountId = 'mallory';
    const stranger = await (await browser.newContext()).newPage();
    await stranger.goto(`${base}/console/login`);
    await stranger.click('#sign-in-oidc-0');
    await stranger.waitForURL(/\/console\/login\/oidc\/callback/);
    expect(await stranger.textContent('.notice')).toMatch(/mallory is not a known human/);

    const actions = (await readAuditRecords(config.auditDir)).filter((r): r is AdminEvent & typeof r => r.kind === 'admin');
    const oidcAuth = `oidc:${idp.issuer}#00u-frank`;
    expect(actions.find((a) => a.action === 'console.signin' && a.actor_auth === oidcAuth)).toMatchObject({
      actor: 'frank',
      detail: { issuer: idp.issuer, subject: '00u-frank' },
    });
    expect(actions.find((a) => a.action === 'kill' && a.target === 'ops-agent')).toMatchObject({ actor: 'frank', actor_auth: oidcAuth });
    const refusals = actions.filter((a) => a.action === 'console.signin.refused').map((a) => String((a.detail as { error: string }).error));
    expect(refusals).toHaveLength(3);
    expect(refusals[0]).toMatch(/state/);
    expect(refusals[1]).toMatch(/no sign-in in progress/);
    expect(refusals[2]).toMatch(/mallory is not a known human/);
    await context.close();
  });

  it('an auditor reads the live policy, its history and a diff, explains a document, and sees audit verify per replica; others get 403', async () => {
    expect((await runCli(config, ['policy', 'apply', '--message', 'first published version'])).status).toBe(0);
    appendFileSync(path.join(config.policyDir, 'people.csv'), 'g, user:dan, group:support\n');
    const applied = await runCli(config, ['policy', 'apply', '--message', `dan joins support ${XSS}`]);
    expect(applied.status, applied.stderr).toBe(0);

    const erin = await signIn('erin');
    await erin.goto(`${base}/console/policy`);
    await waitFor(async () => (await erin.reload(), (await erin.textContent('body'))?.includes('(published v2)')), { what: 'the console to follow v2' });
    expect(await erin.locator('tr.policy-version').count()).toBe(2);
    expect(await erin.locator('tr.policy-version').first().locator('td').last().textContent()).toBe(`dan joins support ${XSS}`);
    await erin.selectOption('#diff-from', 'v1');
    await erin.selectOption('#diff-to', 'v2');
    await erin.click('#diff');
    expect(await erin.textContent('#policy-diff')).toContain('+g, user:dan, group:support');
    // One implementation: the page shows exactly what `clearance policy diff` prints.
    expect(await erin.textContent('#policy-diff')).toBe((await runCli(config, ['policy', 'diff', 'v1', 'v2'])).stdout);

    await erin.fill('#explain-human', 'alice');
    await erin.fill('#explain-agent', 'claude-code');
    await erin.fill('#explain-doc', 'no/such.md');
    await erin.click('#explain');
    expect(await erin.textContent('.notice')).toMatch(/explain: --doc no\/such.md: no such document/);
    await erin.fill('#explain-doc', 'runbooks/prod-database.md');
    await erin.click('#explain');
    expect(await erin.textContent('#explain-decision')).toMatch(/^ALLOWED|^DENIED by/);
    expect(await erin.locator('#explanation').textContent()).toContain('runbooks/prod-database.md: class');
    // The diff stays on the page beside the explanation.
    expect(await erin.textContent('#policy-diff')).toContain('+g, user:dan, group:support');

    // The replica serving this test wrote the records above; its chain verifies.
    expect(await erin.locator('tr.replica .status').allTextContents()).toContain('ok');
    expect(await erin.locator('tr.replica .status').allTextContents()).not.toContain('BROKEN');
    await shot(erin, 'policy');
    await noScriptRan(erin);

    // frank holds the kill switch but is no auditor: 403, and the refusal is on record.
    const frankPage = await fetch(`${base}/console/policy`, { headers: { cookie: `clearance_console=${await credential('frank')}` } });
    expect(frankPage.status).toBe(403);
    const refused = (await readAuditRecords(config.auditDir)).filter((r): r is AdminEvent & typeof r => r.kind === 'admin' && r.action === 'console.refused');
    expect(refused.at(-1)).toMatchObject({ actor: 'frank', target: 'policy.view' });
  });
});
