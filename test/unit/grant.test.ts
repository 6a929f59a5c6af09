import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { base64url, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TASK_CLAIM } from '../../src/identity/grant.js';
import { mintGrant } from '../../src/identity/mint.js';
import { GrantVerifier } from '../../src/identity/verify.js';
import { parseTtlSeconds } from '../../src/config/duration.js';
import { loadOrCreateSigningKey } from '../../src/identity/keys.js';

const config = { issuer: 'clearance-local', resource: 'https://clearance.example.internal/mcp', externalIssuers: [] };
const grantInput = { human: 'alice', agent: 'claude-code', purpose: 'INC-2041 follow-up', scope: { classes: ['internal'] }, ttlSeconds: 600 };

async function setup() {
  const keysDir = mkdtempSync(path.join(tmpdir(), 'clearance-keys-'));
  const key = await loadOrCreateSigningKey(keysDir);
  return { keysDir, key, verifier: new GrantVerifier(key, config) };
}

describe('task grants', () => {
  it('round-trips a minted grant and reuses the stored key', async () => {
    const { keysDir, key, verifier } = await setup();
    const { token, grant } = await mintGrant(key, config, grantInput);
    const verified = await verifier.verify(token);
    expect(verified).toMatchObject({ human: 'alice', agent: 'claude-code', taskId: grant.taskId, scope: { classes: ['internal'] } });
    const again = await loadOrCreateSigningKey(keysDir);
    expect(again.kid).toBe(key.kid);
    expect(await new GrantVerifier(again, config).verify(token)).toMatchObject({ jti: grant.jti });
  });

  it('rejects expired, wrong-audience, wrong-issuer, foreign-key, alg:none, HS256 and tampered tokens', async () => {
    const { key, verifier } = await setup();
    const claims = { azp: 'claude-code', [TASK_CLAIM]: { task_id: 't1', purpose: 'p', scope: {} } };
    const sign = (mutate: (jwt: SignJWT) => SignJWT, signingKey = key.privateKey, alg = 'EdDSA') =>
      mutate(new SignJWT(claims).setProtectedHeader({ alg }).setSubject('alice').setJti('j1').setIssuedAt()).sign(signingKey);
    const ok = (jwt: SignJWT) => jwt.setIssuer(config.issuer).setAudience(config.resource).setExpirationTime('10m');

    await expect(verifier.verify(await sign(ok))).resolves.toMatchObject({ human: 'alice' });
    await expect(verifier.verify(await sign((j) => ok(j).setExpirationTime(Math.floor(Date.now() / 1000) - 60)))).rejects.toThrow(/expired/);
    await expect(verifier.verify(await sign((j) => ok(j).setAudience('https://elsewhere.example/mcp')))).rejects.toThrow(/aud/);
    await expect(verifier.verify(await sign((j) => ok(j).setIssuer('someone-else')))).rejects.toThrow(/issuer is not trusted/);
    await expect(verifier.verify(await sign((j) => ok(j).setNotBefore('1h')))).rejects.toThrow(/nbf/);
    const foreign = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    await expect(verifier.verify(await sign(ok, foreign.privateKey))).rejects.toThrow(/signature/);
    const none = new UnsecuredJWT(claims)
      .setIssuer(config.issuer)
      .setAudience(config.resource)
      .setSubject('alice')
      .setJti('j')
      .setExpirationTime('10m')
      .encode();
    await expect(verifier.verify(none)).rejects.toThrow(/algorithm|token/);
    const hs = await sign(ok, new TextEncoder().encode(JSON.stringify(key.publicJwk)) as never, 'HS256');
    await expect(verifier.verify(hs)).rejects.toThrow(/algorithm/);

    const good = await sign(ok);
    const [header, payload, signature] = good.split('.');
    const tampered = JSON.parse(new TextDecoder().decode(base64url.decode(payload!)));
    tampered.sub = 'carol';
    await expect(verifier.verify(`${header}.${base64url.encode(JSON.stringify(tampered))}.${signature}`)).rejects.toThrow(/signature/);
    await expect(verifier.verify('not-a-jwt')).rejects.toThrow(/not a JWT/);
  });

  it('requires the task claims', async () => {
    const { key, verifier } = await setup();
    const token = await new SignJWT({ azp: 'claude-code' })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer(config.issuer)
      .setAudience(config.resource)
      .setSubject('alice')
      .setJti('j')
      .setExpirationTime('10m')
      .sign(key.privateKey);
    await expect(verifier.verify(token)).rejects.toThrow(/task grant claims/);
  });

  it('parses TTLs and names the fix for bad ones', () => {
    expect(parseTtlSeconds('8h')).toBe(28_800);
    expect(parseTtlSeconds('90m')).toBe(5_400);
    expect(() => parseTtlSeconds('8 hours')).toThrow(/--ttl/);
    expect(() => parseTtlSeconds('40d')).toThrow(/between/);
  });
});
