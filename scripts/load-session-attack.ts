import { readFileSync } from 'node:fs';
import type { Config } from '../src/config/config.js';
import type { SigningKey } from '../src/identity/keys.js';
import { mintGrant } from '../src/identity/mint.js';
import { round, type Row } from './bench/report.js';

/**
 * Finding 8 of the noninterference issue, replayed against a real server: raw `initialize` requests
 * that never close their session (as an attacker would send them), first 300 on one grant, then one
 * each on 300 grants (every one within quota). The server's RSS is read before (the baseline, same
 * run) and after each wave: the per-grant quota bounds the first, idle expiry the second.
 */

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'session-attack', version: '1' } },
};

export function rssMbOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? round(Number(match[1]) / 1024, 0) : NaN;
}

/** One initialize; true when the server opened a session (it answers with a session id). */
async function initialize(url: string, token: string): Promise<boolean> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(INITIALIZE),
  });
  await response.arrayBuffer();
  return response.ok && response.headers.has('mcp-session-id');
}

/** Up to `width` initializes in flight at once. */
async function wave(url: string, tokens: string[], width = 20): Promise<{ opened: number; refused: number }> {
  let opened = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tokens.length) if (await initialize(url, tokens[next++]!)) opened++;
    }),
  );
  return { opened, refused: tokens.length - opened };
}

export async function sessionAttack(url: string, pid: number, key: SigningKey, config: Config, attempts = 300): Promise<Row[]> {
  const grant = async () =>
    (await mintGrant(key, config, { human: 'alice', agent: 'claude-code', purpose: 'session attack', scope: {}, ttlSeconds: 3600 })).token;
  const baseline = rssMbOf(pid);
  const rows: Row[] = [];
  const one = await grant();
  const sameGrant = await wave(
    url,
    Array.from({ length: attempts }, () => one),
  );
  rows.push({ wave: `${attempts} initialize on one grant`, opened: sameGrant.opened, refused: sameGrant.refused, 'RSS MB': rssMbOf(pid) });
  const distinct = await wave(url, await Promise.all(Array.from({ length: attempts }, grant)));
  rows.push({ wave: `${attempts} initialize, one per grant`, opened: distinct.opened, refused: distinct.refused, 'RSS MB': rssMbOf(pid) });
  return [
    { wave: 'before the attack (baseline)', opened: 0, refused: 0, 'RSS MB': baseline, 'RSS ratio': 1 },
    ...rows.map((row) => ({ ...row, 'RSS ratio': round(Number(row['RSS MB']) / baseline, 2) })),
  ];
}
