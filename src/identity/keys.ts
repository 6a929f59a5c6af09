import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';

const JwkFileSchema = z.object({ kid: z.string().min(1), privateJwk: z.record(z.string(), z.unknown()) });

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/** Task grants and approver credentials. */
export const GRANT_KEY_FILE = 'grant-signing.json';
/** Signed audit chain heads: a separate key, so a grant-key holder cannot vouch for a rewritten log. */
export const AUDIT_KEY_FILE = 'audit-signing.json';

/**
 * An Ed25519 key in `<keysDir>/<fileName>` (the grant signing key by default). Created on first use
 * with 0600 permissions; whoever can read it is an admin, so keep `keysDir` private.
 */
export async function loadOrCreateSigningKey(keysDir: string, fileName: string = GRANT_KEY_FILE): Promise<SigningKey> {
  const file = path.join(keysDir, fileName);
  let raw: string | undefined;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (raw === undefined) return createKey(keysDir, file, fileName);
  const parsed = JwkFileSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`${file}: not a Clearance signing key. Move it aside to create a new one.`);
  const privateJwk = parsed.data.privateJwk as JWK;
  const publicJwk: JWK = { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, kid: parsed.data.kid, alg: 'EdDSA', use: 'sig' };
  return {
    kid: parsed.data.kid,
    privateKey: (await importJWK(privateJwk, 'EdDSA')) as CryptoKey,
    publicKey: (await importJWK(publicJwk, 'EdDSA')) as CryptoKey,
    publicJwk,
  };
}

async function createKey(keysDir: string, file: string, fileName: string): Promise<SigningKey> {
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const kid = `clearance-${new Date().toISOString().slice(0, 10)}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await writeFile(file, JSON.stringify({ kid, privateJwk }, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process created the key first: use theirs so every signature verifies everywhere.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSigningKey(keysDir, fileName);
    throw err;
  }
  await chmod(file, 0o600);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  return { kid, privateKey, publicKey, publicJwk };
}
