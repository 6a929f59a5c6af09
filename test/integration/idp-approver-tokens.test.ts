import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.js';
import { findIssuer } from '../../src/config/identity-providers.js';
import { mintApproverCredential } from '../../src/identity/approver.js';
import { GrantError } from '../../src/identity/grant.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../src/identity/keys.js';
import { GrantVerifier } from '../../src/identity/verify.js';
import { entraPayload, oktaPayload, startLocalIdp, type LocalIdp } from '../helpers/idp-tokens.js';

/**
 * Approver and admin IdP tokens (#17 item 6), one verifier with the agents' tokens: the admin
 * audience is separate in both directions, and every refusal names the problem and the fix.
 */
const ADMIN_AUDIENCE = 'api://clearance-northwind-admin';
const RESOURCE = 'http://127.0.0.1:9/mcp';
let idp: LocalIdp;
let key: SigningKey;
let config: Config;
let verifier: GrantVerifier;

beforeAll(async () => {
  idp = await startLocalIdp();
  const home = mkdtempSync(path.join(tmpdir(), 'clearance-idp-admin-'));
  const { entra, okta } = idp.issuers;
  config = loadConfig({
    cwd: home,
    env: {},
    flags: {
      resource: RESOURCE,
      // Entra may sign approvers in; Okta is for agents only.
      externalIssuers: [{ ...entra, name: 'entra', admin: { audience: ADMIN_AUDIENCE, scopes: [], resourceIndicator: false } }, okta],
    },
  });
  key = await loadOrCreateSigningKey(config.keysDir);
  verifier = new GrantVerifier(key, config);
});
afterAll(() => idp?.close());

const refusal = (token: string, v: GrantVerifier = verifier) =>
  v.verifyHuman(token).then(
    () => 'accepted',
    (err: unknown) => (err instanceof GrantError ? err.message : `not a GrantError: ${String(err)}`),
  );

describe('approvers and admins through the IdP', () => {
  it("maps the human with the issuer's own claim mapping and records issuer and subject", async () => {
    const payload = entraPayload(idp, 'Frank@Northwind.Example', [], { aud: ADMIN_AUDIENCE });
    expect(await verifier.verifyHuman(await idp.sign(payload))).toEqual({ human: 'frank', auth: `idp:${idp.issuers.entra.issuer}#${String(payload.sub)}` });
    // `clearance login --issuer` finds the issuer by name or by its URL.
    expect(findIssuer(config.externalIssuers, 'entra')?.issuer).toBe(idp.issuers.entra.issuer);
    expect(findIssuer(config.externalIssuers, idp.issuers.okta.issuer)?.issuer).toBe(idp.issuers.okta.issuer);
    expect(findIssuer(config.externalIssuers, 'nobody')).toBeUndefined();
  });

  it("the agents' audience and the admins' never open each other", async () => {
    const agentToken = await idp.sign(entraPayload(idp, 'frank@northwind.example', []));
    expect((await verifier.verify(agentToken)).human).toBe('frank');
    expect(await refusal(agentToken)).toBe(
      `the IdP token is not for Clearance's approver and admin audience "${ADMIN_AUDIENCE}". Get one with \`clearance login --issuer entra\``,
    );
    const adminToken = await idp.sign(entraPayload(idp, 'frank@northwind.example', [], { aud: ADMIN_AUDIENCE }));
    await expect(verifier.verify(adminToken)).rejects.toThrow(/token claim "aud" is invalid/);
  });

  it('refuses expired, unknown-issuer, unconfigured, forged and Clearance-minted tokens, each with the fix', async () => {
    const admin = (extra = {}) => entraPayload(idp, 'frank@northwind.example', [], { aud: ADMIN_AUDIENCE, ...extra });
    const expired = await idp.sign(admin({ exp: Math.floor(Date.now() / 1000) - 120 }));
    expect(await refusal(expired)).toBe('your IdP token has expired. Sign in again: clearance login --issuer entra');
    const unknown = await idp.sign(admin({ iss: 'https://login.elsewhere.example/v2.0' }));
    expect(await refusal(unknown)).toMatch(
      /^the IdP token's issuer "https:\/\/login\.elsewhere\.example\/v2\.0" is unknown\. Use a token from a configured issuer \(entra, /,
    );
    const oktaToken = await idp.sign(oktaPayload(idp, ADMIN_AUDIENCE, 'frank', []));
    expect(await refusal(oktaToken)).toMatch(/is not set up for approvers and admins\. Set externalIssuers\[\]\.admin\.audience/);
    expect(await refusal(new UnsecuredJWT(admin()).encode())).toMatch(/^token (algorithm is not allowed|rejected)/);
    const [h, , s] = (await idp.sign(admin())).split('.');
    expect(await refusal(`${h}.${Buffer.from(JSON.stringify(admin({ upn: 'carol@northwind.example' }))).toString('base64url')}.${s}`)).toBe(
      'token signature is invalid',
    );
    const minted = (await mintApproverCredential(key, config, 'frank', 60)).token;
    expect(await refusal(minted)).toMatch(/^this is a Clearance-minted credential, not an IdP token\. Set it as CLEARANCE_APPROVER_TOKEN/);
  });

  it("refuses an admin audience equal to the MCP resource's: an agent's token would then approve", async () => {
    const same = loadConfig({
      cwd: config.home,
      env: {},
      flags: { resource: RESOURCE, externalIssuers: [{ ...idp.issuers.okta, admin: { audience: RESOURCE, scopes: [], resourceIndicator: true } }] },
    });
    const token = await idp.sign(oktaPayload(idp, RESOURCE, 'frank', []));
    expect(await refusal(token, new GrantVerifier(key, same))).toMatch(
      /admin\.audience equals the MCP resource's audience\. Give approvers and admins their own audience/,
    );
  });
});
