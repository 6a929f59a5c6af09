import { z } from 'zod';

/**
 * How a token from an organisation's identity provider (Okta, Entra ID, Keycloak, …) becomes a
 * Clearance principal: which claim names the human, which client → agent workflow, which IdP
 * groups stand for which policy groups. Per issuer, because every IdP shapes its tokens differently.
 */

/** Policy ids (people, groups, agent workflows): the same grammar as the policy files. */
const PolicyId = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'a policy id: lower-case letters, digits, "_", "." or "-" (max 64)');

export const HUMAN_CLAIMS = ['sub', 'email', 'preferred_username', 'oid', 'upn'] as const;

export const HumanMappingSchema = z
  .object({
    /** The claim that names the human. Entra: `oid` or `upn`; Okta: `sub` or `email`; Keycloak: `preferred_username`. */
    claim: z
      .enum(HUMAN_CLAIMS)
      .default('sub')
      .describe('The claim that names the human (Entra: oid or upn; Okta: sub or email; Keycloak: preferred_username).'),
    /** Lower-case the value (emails and UPNs are case-insensitive; Entra's pairwise `sub` is not: keep it false there). */
    lowercase: z.boolean().default(true).describe("Lower-case the value (emails and UPNs are case-insensitive; keep it false for Entra's pairwise sub)."),
    /** Drop `@<domain>` when the domain is one of these (after lower-casing), so `alice@northwind.example` is `alice`. */
    stripDomains: z.array(z.string().min(1)).default([]).describe('Drop `@<domain>` when the domain is one of these, so alice@northwind.example is alice.'),
    /** Explicit subject → policy human, applied after normalisation (Okta `00u…` ids, Entra object ids). */
    map: z
      .record(z.string().min(1), PolicyId)
      .default({})
      .describe('Explicit subject → policy human, applied after normalisation (Okta 00u… ids, Entra object ids).'),
  })
  .strict();

export const ClientMappingSchema = z
  .object({
    /**
     * A client id: exact (`0oa1b2c3`), a URL-form client id (MCP Client ID Metadata Documents), or
     * a simple pattern where `*` matches any run of characters (`https://*.northwind.example/*`).
     */
    client: z.string().min(1).max(2048).describe('A client id: exact, a URL-form client id, or a pattern where * matches any run of characters.'),
    /** The agent workflow (agents.csv) this client acts as. */
    workflow: PolicyId.describe('The agent workflow (agents.csv) this client acts as.'),
  })
  .strict();

export const AgentMappingSchema = z
  .object({
    /** Claims naming the OAuth client, in order: `azp` (OIDC, Entra, Keycloak), `client_id` (RFC 9068, Okta `cid` is not standard). */
    claims: z
      .array(z.enum(['azp', 'client_id', 'cid', 'appid']))
      .min(1)
      .default(['azp', 'client_id'])
      .describe('Claims naming the OAuth client, tried in order.'),
    clients: z.array(ClientMappingSchema).default([]).describe('Client id → agent workflow.'),
    /**
     * The workflow of any client not listed (e.g. dynamically registered ones). Absent: an unlisted
     * client is refused with 403, unless its id is itself an agent workflow id (backward compatible).
     */
    defaultWorkflow: PolicyId.optional().describe(
      'The workflow of any client not listed; absent: an unlisted client is refused (403) unless its id is itself a workflow id.',
    ),
  })
  .strict();

export const GroupMappingSchema = z
  .object({
    /** A dotted claim path: `groups` (Okta), `roles` (Entra app roles), `realm_access.roles` (Keycloak). */
    claim: z
      .string()
      .regex(/^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/)
      .default('groups')
      .describe('A dotted claim path holding the IdP groups: groups (Okta), roles (Entra), realm_access.roles (Keycloak).'),
    /** IdP group (exact, case-sensitive) → policy group(s). IdP groups not listed are ignored. */
    map: z
      .record(z.string().min(1), z.union([PolicyId, z.array(PolicyId)]))
      .default({})
      .describe('IdP group (exact, case-sensitive) → policy group(s); IdP groups not listed are ignored.'),
    /**
     * `add`: the mapped groups are added to the human's memberships in people.csv.
     * `replace`: they replace them (the human keeps only `group:everyone` from people.csv).
     */
    rule: z
      .enum(['add', 'replace'])
      .default('add')
      .describe("add: the mapped groups join the human's people.csv memberships; replace: they replace them (group:everyone stays)."),
  })
  .strict();

/**
 * Approvers and admins signing in to the CLI through this IdP. A separate audience on purpose: an
 * agent holds its human's token for the MCP resource, and that token must never approve or kill.
 */
export const AdminSignInSchema = z
  .object({
    audience: z.string().min(1).describe("The aud of tokens for Clearance's approver and admin commands; must differ from the MCP resource's audience."),
    /** A public client registered at the IdP for `clearance login` (device authorization grant, RFC 8628). */
    clientId: z.string().min(1).optional().describe('A public client at the IdP for `clearance login` (OAuth device authorization grant, RFC 8628).'),
    scopes: z.array(z.string().min(1)).default(['openid']).describe('Scopes `clearance login` asks for.'),
    /** RFC 8707: send `resource=<audience>` (oidc-provider, Keycloak); Entra v2 refuses it and wants `api://…/.default` in scopes. */
    resourceIndicator: z
      .boolean()
      .default(true)
      .describe('Send resource=<audience> when signing in (RFC 8707); set false for Entra ID v2 and put api://…/.default in scopes.'),
  })
  .strict();

/** The web console signs people in through this issuer: OIDC authorization code + PKCE, as a public client. */
export const ConsoleSignInSchema = z
  .object({
    clientId: z.string().min(1).describe("The console's client id at the identity provider (a public client: PKCE, no secret)."),
    /** Registered at the IdP exactly; the console never derives it from the request's Host header. */
    redirectUri: z.url().describe("The console's callback as registered at the IdP: <console origin>/console/login/oidc/callback."),
    scopes: z.array(z.string().min(1)).default(['openid']).describe('Scopes the console asks for (openid, plus what the human claim needs: email, profile).'),
    label: z.string().min(1).max(80).optional().describe('The sign-in button text, e.g. "Northwind SSO". Default: the issuer.'),
  })
  .strict();

export const ExternalIssuerSchema = z
  .object({
    issuer: z.string().min(1).describe('The `iss` of the tokens this entry accepts.'),
    name: PolicyId.optional().describe('A short name for `clearance login --issuer <name>` (default: the issuer URL itself).'),
    jwksUri: z.url().describe("Where the issuer's public keys are published (JWKS)."),
    /** The custom claim with a Clearance task (`task_id`, `purpose`, `scope`); without it the MCP session is the task. */
    scopeClaim: z
      .string()
      .default('clearance')
      .describe('The custom claim with a Clearance task (task_id, purpose, scope); without it the MCP session is the task.'),
    /** The `aud` this issuer puts in tokens for Clearance (Entra: `api://…`). Default: the top-level `audience`. */
    audience: z.string().min(1).optional().describe('The aud this issuer puts in tokens for Clearance (Entra: api://…). Default: the top-level audience.'),
    /** Scopes every token of this issuer must carry (`scope` or `scp`); a token without them gets 403 insufficient_scope. */
    requiredScopes: z
      .array(z.string().min(1))
      .default([])
      .describe('Scopes every token of this issuer must carry (scope or scp); without them: 403 insufficient_scope.'),
    human: HumanMappingSchema.prefault({}).describe('Which claim names the human, and how it becomes a policy id.'),
    agent: AgentMappingSchema.prefault({}).describe('Which claim names the OAuth client, and which agent workflow each client acts as.'),
    groups: GroupMappingSchema.optional().describe('IdP groups that stand for policy groups (absent: people.csv alone).'),
    admin: AdminSignInSchema.optional().describe('Approvers and admins sign in to the CLI through this IdP (absent: they cannot).'),
    console: ConsoleSignInSchema.optional().describe('Let people sign in to the web console through this issuer (absent: not offered).'),
    /** The purpose recorded for a session that is its own task (no task claim in the token). */
    defaultPurpose: z
      .string()
      .min(1)
      .max(2000)
      .default('MCP session signed in through the identity provider')
      .describe('The purpose recorded for a session that is its own task (no task claim in the token).'),
  })
  .strict();
export type ExternalIssuer = z.infer<typeof ExternalIssuerSchema>;
export type HumanMapping = z.infer<typeof HumanMappingSchema>;
export type AgentMapping = z.infer<typeof AgentMappingSchema>;
export type GroupMapping = z.infer<typeof GroupMappingSchema>;
export type AdminSignIn = z.infer<typeof AdminSignInSchema>;

/** A configured issuer by its `name` or its `iss` (for `clearance login --issuer`). */
export function findIssuer(issuers: readonly ExternalIssuer[], nameOrIssuer: string): ExternalIssuer | undefined {
  return issuers.find((i) => i.name === nameOrIssuer || i.issuer === nameOrIssuer);
}
export type ConsoleSignIn = z.infer<typeof ConsoleSignInSchema>;
