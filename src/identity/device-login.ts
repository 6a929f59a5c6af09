import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { AdminSignIn, ExternalIssuer } from '../config/identity-providers.js';

/**
 * `clearance login`: the OAuth 2.0 device authorization grant (RFC 8628) against a configured
 * issuer, for approvers and admins at a terminal. The person approves in any browser; the CLI
 * polls the token endpoint and hands back the access token. Nothing is written to disk.
 */
const MetadataSchema = z.object({
  issuer: z.string(),
  token_endpoint: z.url(),
  device_authorization_endpoint: z.url().optional(),
});
const DeviceAuthorizationSchema = z.object({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.url(),
  verification_uri_complete: z.url().optional(),
  expires_in: z.number().positive(),
  interval: z.number().positive().optional(),
});
const TokenSchema = z.object({ access_token: z.string().min(1) });
const TokenErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });
export type DevicePrompt = Pick<z.infer<typeof DeviceAuthorizationSchema>, 'user_code' | 'verification_uri' | 'verification_uri_complete'>;

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class DeviceLoginError extends Error {
  override name = 'DeviceLoginError';
}

/** Credentials cross these URLs: HTTPS only, except on this machine (a test or a local IdP). */
function secureUrl(url: string, what: string): URL {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname)))
    throw new DeviceLoginError(`the IdP's ${what} ${url} is not HTTPS. Configure the issuer's HTTPS address`);
  return parsed;
}

async function readJson(res: Response, what: string): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    throw new DeviceLoginError(`the IdP's ${what} answered ${res.status} without JSON. Check the issuer URL in externalIssuers`);
  }
}

/** OpenID discovery first, then RFC 8414 (path-inserted well-known); the metadata must name this issuer (RFC 8414 §3.3). */
async function discover(issuer: string): Promise<z.infer<typeof MetadataSchema>> {
  const base = secureUrl(issuer, 'issuer');
  const path = base.pathname.replace(/\/$/, '');
  const candidates = [`${base.origin}${path}/.well-known/openid-configuration`, `${base.origin}/.well-known/oauth-authorization-server${path}`];
  for (const url of candidates) {
    const res = await fetch(url, { headers: { accept: 'application/json' } }).catch(() => null);
    if (!res?.ok) continue;
    const metadata = MetadataSchema.safeParse(await readJson(res, 'metadata'));
    if (metadata.success && metadata.data.issuer === issuer) return metadata.data;
  }
  throw new DeviceLoginError(`no authorization server metadata for "${issuer}" (tried ${candidates.join(', ')}). Check the issuer URL in externalIssuers`);
}

function form(fields: Record<string, string | undefined>): URLSearchParams {
  return new URLSearchParams(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Runs the device grant; `show` tells the person where to go and which code to enter. Resolves with the access token. */
export async function deviceLogin(settings: ExternalIssuer, show: (prompt: DevicePrompt) => void): Promise<string> {
  const admin: AdminSignIn | undefined = settings.admin;
  const name = settings.name ?? settings.issuer;
  if (!admin?.clientId)
    throw new DeviceLoginError(
      `issuer "${name}" has no admin.clientId. Register a public client with the device grant at the IdP and set externalIssuers[].admin.clientId`,
    );
  const metadata = await discover(settings.issuer);
  if (!metadata.device_authorization_endpoint)
    throw new DeviceLoginError(
      `issuer "${name}" does not offer the device authorization grant (no device_authorization_endpoint). Enable it at the IdP, or export CLEARANCE_IDP_TOKEN from another sign-in`,
    );
  const started = await fetch(secureUrl(metadata.device_authorization_endpoint, 'device authorization endpoint'), {
    method: 'POST',
    body: form({ client_id: admin.clientId, scope: admin.scopes.join(' '), resource: admin.resourceIndicator ? admin.audience : undefined }),
  });
  const body = await readJson(started, 'device authorization endpoint');
  const device = DeviceAuthorizationSchema.safeParse(body);
  if (!started.ok || !device.success)
    throw new DeviceLoginError(`the IdP refused to start the sign-in: ${describe(body)}. Check admin.clientId and admin.scopes`);
  show(device.data);

  const tokenUrl = secureUrl(metadata.token_endpoint, 'token endpoint');
  const deadline = Date.now() + device.data.expires_in * 1000;
  let intervalMs = (device.data.interval ?? 5) * 1000;
  while (Date.now() < deadline) {
    // RFC 8628 §3.5: wait the interval between polls; the IdP decides how long a person has.
    await sleep(intervalMs);
    const res = await fetch(tokenUrl, {
      method: 'POST',
      body: form({ grant_type: DEVICE_GRANT, device_code: device.data.device_code, client_id: admin.clientId }),
    });
    const answer = await readJson(res, 'token endpoint');
    const token = TokenSchema.safeParse(answer);
    if (res.ok && token.success) return token.data.access_token;
    const error = TokenErrorSchema.safeParse(answer);
    if (error.success && error.data.error === 'authorization_pending') continue;
    if (error.success && error.data.error === 'slow_down') {
      intervalMs += 5000;
      continue;
    }
    if (error.success && error.data.error === 'access_denied')
      throw new DeviceLoginError('the sign-in was declined at the IdP. Run clearance login again to retry');
    if (error.success && error.data.error === 'expired_token') break;
    throw new DeviceLoginError(`the IdP refused the sign-in: ${describe(answer)}. Check the issuer's admin settings`);
  }
  throw new DeviceLoginError(`the sign-in code expired before it was used. Run \`clearance login --issuer ${name}\` again`);
}

function describe(body: unknown): string {
  const error = TokenErrorSchema.safeParse(body);
  return error.success
    ? `${error.data.error}${error.data.error_description ? ` (${error.data.error_description.slice(0, 200)})` : ''}`
    : 'an unexpected answer';
}
