import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { CONSOLE_AUDIENCE, mintApproverCredential, verifyApproverCredential } from '../../src/identity/approver.js';
import { loadOrCreateSigningKey } from '../../src/identity/keys.js';

const config = { issuer: 'clearance-local' };

describe('console credentials minted after an identity-provider sign-in', () => {
  it('carry the issuer and subject into every action, and only when this server signed them', async () => {
    const key = await loadOrCreateSigningKey(mkdtempSync(path.join(tmpdir(), 'clearance-keys-')));
    const via = { iss: 'https://idp.northwind.example', sub: '00u-frank' };
    const { token } = await mintApproverCredential(key, config, 'frank', 600, CONSOLE_AUDIENCE, via);
    expect(await verifyApproverCredential(token, config, [key.publicJwk], CONSOLE_AUDIENCE)).toEqual({
      human: 'frank',
      auth: 'oidc:https://idp.northwind.example#00u-frank',
    });
    const plain = await mintApproverCredential(key, config, 'frank', 600, CONSOLE_AUDIENCE);
    expect((await verifyApproverCredential(plain.token, config, [key.publicJwk], CONSOLE_AUDIENCE)).auth).toBe(`console-credential:${plain.jti}`);

    // A credential claiming an IdP sign-in under another key is refused, not believed.
    const other = await loadOrCreateSigningKey(mkdtempSync(path.join(tmpdir(), 'clearance-keys-')));
    const forged = await new SignJWT({ via })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
      .setIssuer(config.issuer)
      .setAudience(CONSOLE_AUDIENCE)
      .setSubject('frank')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(other.privateKey);
    await expect(verifyApproverCredential(forged, config, [key.publicJwk], CONSOLE_AUDIENCE)).rejects.toThrow(/console credential rejected/);
  });
});
