import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JWK } from 'jose';
import { z } from 'zod';
import { AUDIT_KEY_FILE, loadOrCreateSigningKey } from '../identity/keys.js';
import type { HeadKey } from './head.js';

/**
 * The witness folder (`auditWitnessDir`): the audit key's public half, pinned once, and one
 * append-only JSON-lines file of signed heads per replica. It is what an attacker holding the audit
 * folder and the store does not hold, so keep it on another machine or an append-only medium.
 */
export const PINNED_KEY_FILE = 'audit-key.pub.json';
const HEADS_SUFFIX = '.heads.jsonl';

export const PublicJwkSchema = z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1), kid: z.string().min(1) }).loose();
export const WitnessLineSchema = z.object({ jws: z.string().min(1) }).strict();

export interface AuditWitness {
  dir: string;
  key: HeadKey;
  publicJwk: JWK;
}

export const headsFile = (witnessDir: string, replica: string) => path.join(witnessDir, `${replica}${HEADS_SUFFIX}`);

const sameKey = (a: JWK, b: JWK) => a.kty === b.kty && a.crv === b.crv && a.x === b.x;

/** The public key pinned in the witness, or null when nothing was pinned yet. */
export async function readPinnedKey(witnessDir: string): Promise<JWK | null> {
  let raw: string;
  try {
    raw = await readFile(path.join(witnessDir, PINNED_KEY_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = PublicJwkSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`${path.join(witnessDir, PINNED_KEY_FILE)}: not an Ed25519 public JWK`);
  return parsed.data as JWK;
}

/**
 * Loads (or creates) `<keysDir>/audit-signing.json` and pins its public half in the witness on first
 * use. A witness pinned to another key is refused: heads it could not verify would be worthless, and
 * a silently re-pinned witness is exactly what an attacker would want.
 */
export async function openAuditWitness({ keysDir, witnessDir }: { keysDir: string; witnessDir: string }): Promise<AuditWitness> {
  const key = await loadOrCreateSigningKey(keysDir, AUDIT_KEY_FILE);
  await mkdir(witnessDir, { recursive: true });
  const pinned = await pinKey(witnessDir, key.publicJwk);
  if (!sameKey(pinned, key.publicJwk))
    throw new Error(
      `the audit signing key ${path.join(keysDir, AUDIT_KEY_FILE)} (kid ${key.kid}) is not the key pinned in ${path.join(witnessDir, PINNED_KEY_FILE)} (kid ${String(pinned.kid)}); restore the original key or start a new witness folder deliberately`,
    );
  return { dir: witnessDir, key: { kid: key.kid, privateKey: key.privateKey }, publicJwk: key.publicJwk };
}

async function pinKey(witnessDir: string, publicJwk: JWK): Promise<JWK> {
  const existing = await readPinnedKey(witnessDir);
  if (existing) return existing;
  try {
    await writeFile(path.join(witnessDir, PINNED_KEY_FILE), `${JSON.stringify(publicJwk, null, 2)}\n`, { flag: 'wx', mode: 0o444 });
  } catch (err) {
    // Another process pinned first: compare against theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return (await readPinnedKey(witnessDir))!;
}

/** Appends one signed head and fsyncs it before returning. */
export async function appendHead(witnessDir: string, replica: string, jws: string): Promise<void> {
  const handle = await open(headsFile(witnessDir, replica), 'a');
  try {
    await handle.write(`${JSON.stringify({ jws })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface WitnessHeads {
  replica: string;
  file: string;
  /** Complete lines in order; a torn final line (a crash mid-append) is left out. */
  lines: string[];
}

/** Every replica's heads file in the witness folder. */
export async function readWitnessHeads(witnessDir: string): Promise<WitnessHeads[]> {
  let names: string[];
  try {
    names = (await readdir(witnessDir)).filter((n) => n.endsWith(HEADS_SUFFIX)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: WitnessHeads[] = [];
  for (const name of names) {
    const file = path.join(witnessDir, name);
    const text = await readFile(file, 'utf8');
    const lines = text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .slice(0, -1);
    out.push({ replica: name.slice(0, -HEADS_SUFFIX.length), file, lines });
  }
  return out;
}
