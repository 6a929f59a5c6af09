import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import type { ExternalIssuer } from '../../src/config/identity-providers.js';

/**
 * Hand-minted tokens shaped like three real identity providers, signed by one RSA key whose JWKS
 * is served on 127.0.0.1. The shapes follow each IdP's documented access tokens: Entra ID v2 (`uti`
 * not `jti`, pairwise mixed-case `sub`, `oid`, `upn`, app `roles`, `scp`, `api://` audience), Okta
 * (`00u…` `sub`, `cid`, `scp` array, `groups`) and Keycloak (`preferred_username`,
 * `realm_access.roles`, URL-form `azp`).
 */
export const ENTRA_APP = '8f3c2a1e-5b7d-4c9e-a2f1-0d6b4e8a9c3f';
export const OKTA_CLIENT = '0oa9x8y7w6v5U4t3s2r1';
export const OKTA_SUB_BOB = '00u1a2b3c4D5e6F7g8h9';
export const KEYCLOAK_CLIENT = 'https://agents.northwind.example/clients/ops.json';
export const ENTRA_AUDIENCE = 'api://clearance-northwind';

export interface LocalIdp {
  base: string;
  close(): void;
  issuers: { entra: ExternalIssuer; okta: ExternalIssuer; keycloak: ExternalIssuer };
  sign(payload: JWTPayload, options?: { alg?: string; kid?: string }): Promise<string>;
}

export async function startLocalIdp(): Promise<LocalIdp> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwksUri = `${base}/jwks.json`;
  const common = { jwksUri, scopeClaim: 'clearance', defaultPurpose: 'IdP session' };
  const issuers = {
    entra: {
      ...common,
      issuer: `${base}/entra/v2.0`,
      audience: ENTRA_AUDIENCE,
      requiredScopes: ['clearance'],
      human: { claim: 'upn', lowercase: true, stripDomains: ['northwind.example'], map: {} },
      agent: { claims: ['azp'], clients: [{ client: ENTRA_APP, workflow: 'claude-code' }] },
      groups: { claim: 'roles', map: { 'Clearance.Engineering': 'engineering', 'Clearance.SRE': ['sre', 'engineering'] }, rule: 'add' },
    },
    okta: {
      ...common,
      issuer: `${base}/oauth2/default`,
      requiredScopes: [],
      human: { claim: 'sub', lowercase: false, stripDomains: [], map: { [OKTA_SUB_BOB]: 'bob' } },
      agent: { claims: ['cid'], clients: [{ client: OKTA_CLIENT, workflow: 'support-assistant' }], defaultWorkflow: 'ops-agent' },
      groups: { claim: 'groups', map: { 'Support Team': 'support' }, rule: 'add' },
    },
    keycloak: {
      ...common,
      issuer: `${base}/realms/northwind`,
      requiredScopes: [],
      human: { claim: 'preferred_username', lowercase: true, stripDomains: [], map: {} },
      agent: { claims: ['azp'], clients: [{ client: 'https://agents.northwind.example/*', workflow: 'ops-agent' }] },
      groups: { claim: 'realm_access.roles', map: { 'security-team': 'security' }, rule: 'replace' },
    },
  } satisfies Record<string, ExternalIssuer>;
  return {
    base,
    issuers,
    close: () => server.close(),
    sign: (payload, options = {}) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'idp-1', typ: 'at+jwt' })
        .setIssuedAt()
        .sign(privateKey),
  };
}

const inFive = () => Math.floor(Date.now() / 1000) + 300;

export function entraPayload(idp: LocalIdp, upn: string, roles: string[], extra: JWTPayload = {}): JWTPayload {
  return {
    iss: idp.issuers.entra.issuer,
    aud: ENTRA_AUDIENCE,
    exp: inFive(),
    sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
    oid: '00000000-0000-0000-66f3-3332eca7ea81',
    upn,
    azp: ENTRA_APP,
    uti: 'rD1vQ9zRcEaJxXmW8C5kAA',
    ver: '2.0',
    scp: 'clearance',
    roles,
    ...extra,
  };
}

export function oktaPayload(idp: LocalIdp, resource: string, sub: string, groups: string[], extra: JWTPayload = {}): JWTPayload {
  return {
    iss: idp.issuers.okta.issuer,
    aud: resource,
    exp: inFive(),
    sub,
    cid: OKTA_CLIENT,
    uid: sub,
    jti: 'AT.okta-1',
    scp: ['clearance'],
    groups,
    ...extra,
  };
}

export function keycloakPayload(idp: LocalIdp, resource: string, username: string, roles: string[], extra: JWTPayload = {}): JWTPayload {
  return {
    iss: idp.issuers.keycloak.issuer,
    aud: resource,
    exp: inFive(),
    sub: 'f2b4c6d8-1a3e-4f5a-9b7c-2d4e6f8a0b1c',
    preferred_username: username,
    azp: KEYCLOAK_CLIENT,
    jti: 'kc-jti-1',
    scope: 'openid clearance',
    realm_access: { roles },
    ...extra,
  };
}
