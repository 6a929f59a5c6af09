import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/**
 * A real, OpenID-certified authorization server (npm `oidc-provider`) on 127.0.0.1 for the
 * acceptance test: authorization code + PKCE, RFC 8707 resource indicators issuing JWT access
 * tokens for Clearance's resource, dynamic client registration, and one pre-registered public
 * client; for approvers and admins, the device authorization grant (RFC 8628) with a public CLI
 * client and a separate admin audience. Sign-in and consent are answered by the test (the "user"
 * is `signIn.accountId`), so a client can follow the redirects programmatically; nothing about the
 * tokens is hand-made.
 */
export interface TestIdp {
  issuer: string;
  signIn: { accountId: string; groups: string[] };
  close(): Promise<void>;
}

export const PRE_REGISTERED_CLIENT = 'northwind-claude';
export const CLI_CLIENT = 'clearance-cli';
/** The scope of the admin audience (a resource server scope, granted with `resource=<adminAudience>`). */
export const ADMIN_SCOPE = 'clearance-admin';
/** The web console's public client, registered when the test passes `consoleRedirectUri`. */
export const CONSOLE_CLIENT = 'clearance-console';

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

export async function startOidcProvider(options: {
  resource: string;
  scope: string;
  redirectUri: string;
  adminAudience?: string;
  consoleRedirectUri?: string;
}): Promise<TestIdp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signIn = { accountId: 'alice', groups: [] as string[] };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: PRE_REGISTERED_CLIENT,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      {
        client_id: CLI_CLIENT,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        redirect_uris: [],
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
        response_types: [],
      },
      ...(options.consoleRedirectUri
        ? [
            {
              client_id: CONSOLE_CLIENT,
              token_endpoint_auth_method: 'none' as const,
              application_type: 'native' as const,
              redirect_uris: [options.consoleRedirectUri],
              grant_types: ['authorization_code'],
              response_types: ['code' as const],
            },
          ]
        : []),
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test-idp', alg: 'RS256', use: 'sig' }] },
    // Listed as a provider scope too: dynamic registration checks a client's requested scopes against it.
    scopes: ['openid', 'offline_access', options.scope, ADMIN_SCOPE],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      deviceFlow: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.resource,
        useGrantedResource: () => true,
        // Any resource the client names is a resource server with itself as audience (the MCP one, or the admin one).
        getResourceServerInfo: (_ctx, indicator) => ({
          scope: indicator === options.adminAudience ? ADMIN_SCOPE : options.scope,
          audience: indicator,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    // The IdP's group membership, as Okta or Entra would put it in the access token.
    extraTokenClaims: () => ({ groups: signIn.groups }),
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(req, res, { login: { accountId: signIn.accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    const clientId = String(details.params.client_id);
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session!.accountId, clientId });
    // The user consents to exactly what the client asked for.
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant!.addOIDCScope(missing.missingOIDCScope.join(' '));
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant!.addResourceScope(indicator, scopes.join(' '));
    await provider.interactionFinished(req, res, { consent: { grantId: await grant!.save() } }, { mergeWithLastSubmission: true });
  }

  const callback = provider.callback();
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((err: Error) => res.writeHead(500).end(err.message));
      return;
    }
    void callback(req, res);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { issuer, signIn, close: () => new Promise<void>((r) => server.close(() => r())) };
}
