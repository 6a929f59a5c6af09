import * as oidc from 'openid-client';
import { z } from 'zod';
import type { ExternalIssuer } from '../config/identity-providers.js';
import type { CsrfTokens } from './csrf.js';

/**
 * OIDC authorization code + PKCE through `openid-client` (OpenID-certified): discovery, the
 * authorization URL, and the code exchange with state, nonce and ID-token checks are the library's.
 * The console only carries the transaction between the redirect and the callback.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** One sign-in in flight: the issuer it went to and the values the callback must match. */
const TransactionSchema = z.object({ issuer: z.string().min(1), state: z.string().min(1), nonce: z.string().min(1), verifier: z.string().min(43) }).strict();
export type SignInTransaction = z.infer<typeof TransactionSchema>;

export type ConsoleIssuer = ExternalIssuer & { console: NonNullable<ExternalIssuer['console']> };

export function consoleIssuers(issuers: ExternalIssuer[]): ConsoleIssuer[] {
  return issuers.filter((i): i is ConsoleIssuer => i.console !== undefined);
}

/** Plain HTTP only to an issuer on loopback (a local test or dev IdP); anything else must be HTTPS. */
async function discover(issuer: ConsoleIssuer): Promise<oidc.Configuration> {
  const url = new URL(issuer.issuer);
  const insecure = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  return oidc.discovery(url, issuer.console.clientId, undefined, oidc.None(), insecure ? { execute: [oidc.allowInsecureRequests] } : undefined);
}

export async function startSignIn(issuer: ConsoleIssuer): Promise<{ url: URL; transaction: SignInTransaction }> {
  const config = await discover(issuer);
  const transaction = { issuer: issuer.issuer, state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: issuer.console.redirectUri,
    scope: issuer.console.scopes.join(' '),
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(transaction.verifier),
    code_challenge_method: 'S256',
    state: transaction.state,
    nonce: transaction.nonce,
  });
  return { url, transaction };
}

/** Exchanges the code; throws unless state, nonce, PKCE and the ID token all check out. Returns the ID token's claims. */
export async function finishSignIn(issuer: ConsoleIssuer, query: string, transaction: SignInTransaction): Promise<oidc.IDToken> {
  const config = await discover(issuer);
  // The callback URL is the configured one plus the IdP's query, never rebuilt from the Host header.
  const current = new URL(issuer.console.redirectUri);
  current.search = query;
  const tokens = await oidc.authorizationCodeGrant(config, current, {
    pkceCodeVerifier: transaction.verifier,
    expectedState: transaction.state,
    expectedNonce: transaction.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  if (!claims) throw new Error('the identity provider returned no ID token');
  return claims;
}

/** The transaction rides in a short-lived cookie, HMAC-sealed so a tampered or foreign one is refused. */
export function sealTransaction(csrf: CsrfTokens, transaction: SignInTransaction): string {
  const body = Buffer.from(JSON.stringify(transaction)).toString('base64url');
  return `${body}.${csrf.tokenFor(`oidc:${body}`)}`;
}

export function openTransaction(csrf: CsrfTokens, sealed: string | undefined): SignInTransaction {
  const [body = '', mac] = (sealed ?? '').split('.');
  if (!body || !csrf.check(`oidc:${body}`, mac)) throw new Error('no sign-in in progress in this browser (or it expired): start again');
  return TransactionSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
}
