import type { JWK } from 'jose';
import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { SigningKey } from './keys.js';

/**
 * Public grant-verification keys published in the shared store, so a grant minted by any admin
 * machine verifies on every server replica. Only public keys are published; private keys stay in
 * each admin's `keysDir`.
 */
const PREFIX = 'grant_key:';

const PublicJwkSchema = z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1), kid: z.string().min(1) }).loose();

export async function publishVerificationKey(store: Store, key: SigningKey): Promise<void> {
  const meta = await store.readMeta();
  if (meta.has(PREFIX + key.kid)) return;
  await store.writeMeta({ [PREFIX + key.kid]: JSON.stringify(key.publicJwk) });
}

export async function publishedVerificationKeys(store: Store): Promise<JWK[]> {
  const keys: JWK[] = [];
  for (const [name, value] of await store.readMeta()) {
    if (!name.startsWith(PREFIX)) continue;
    const parsed = PublicJwkSchema.safeParse(JSON.parse(value));
    if (parsed.success) keys.push({ ...parsed.data, alg: 'EdDSA', use: 'sig' });
  }
  return keys;
}
