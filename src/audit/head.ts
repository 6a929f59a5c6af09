import { CompactSign, compactVerify, decodeProtectedHeader, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';

/**
 * A signed chain head: "replica R had written through seq S, whose record hash is H, at time T".
 * Published outside the audit folder and the store, it lets `audit verify` catch a chain that was
 * rewritten with recomputed hashes (H differs) or cut short (S is missing), which the hash chain
 * alone cannot: whoever rewrites the chain can recompute every hash.
 */
export const HeadPayloadSchema = z
  .object({
    replica: z.string().min(1),
    seq: z.number().int().min(1),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    /** When the head was signed (not the record's own ts). */
    ts: z.string(),
  })
  .strict();
export type HeadPayload = z.infer<typeof HeadPayloadSchema>;

/** The JWS `typ`: a head cannot be confused with a task grant or an approver credential. */
export const HEAD_TYP = 'clearance-audit-head';

export interface HeadKey {
  kid: string;
  privateKey: CryptoKey;
}

export async function signHead(payload: HeadPayload, key: HeadKey): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: HEAD_TYP })
    .sign(key.privateKey);
}

export type HeadCheck = { ok: true; head: HeadPayload } | { ok: false; why: string };

/** Checks a compact JWS against the one trusted public key (never a key named by the JWS itself). */
export async function verifyHead(jws: string, trusted: JWK): Promise<HeadCheck> {
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(jws);
    if (header.typ !== HEAD_TYP || header.alg !== 'EdDSA')
      return { ok: false, why: `not a signed audit head (typ ${String(header.typ)}, alg ${String(header.alg)})` };
    kid = header.kid;
  } catch {
    return { ok: false, why: 'not a compact JWS' };
  }
  try {
    const key = await importJWK({ kty: trusted.kty, crv: trusted.crv, x: trusted.x }, 'EdDSA');
    const { payload } = await compactVerify(jws, key, { algorithms: ['EdDSA'] });
    const parsed = HeadPayloadSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
    if (!parsed.success) return { ok: false, why: 'signed payload is not a chain head' };
    return { ok: true, head: parsed.data };
  } catch {
    const other = kid && kid !== trusted.kid ? ` (signed by key "${kid}", the pinned key is "${String(trusted.kid)}")` : '';
    return { ok: false, why: `signature does not verify with the pinned audit key${other}` };
  }
}
