import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { AgentMapping, GroupMapping, HumanMapping } from '../config/identity-providers.js';
import { IdSchema } from '../labels/ids.js';
import { GrantRefused } from './grant.js';
import type { IdpGroups } from './identity.js';
import { parseSubject, type Subject } from './subject.js';

/**
 * Claim mapping for identity-provider tokens: pure functions from a verified payload and the
 * issuer's mapping config to Clearance's human, agent, groups, scopes and token id. A valid token
 * that does not map is refused with `GrantRefused` (403), never treated as an invalid token.
 */

/** The human: the configured claim, NFC, lower-cased and domain-stripped as configured, then the explicit map. */
export function mapHuman(payload: JWTPayload, mapping: HumanMapping): string {
  const raw = parseSubject(payload[mapping.claim]);
  if (raw === null) throw new GrantRefused(`the token has no usable "${mapping.claim}" claim to name the human`);
  return normaliseHuman(raw, mapping);
}

/** An IdP's name for a person as a policy human: lower-cased and domain-stripped as configured, then the explicit map (shared with SCIM). */
export function normaliseHuman(subject: Subject, mapping: Omit<HumanMapping, 'claim'>): string {
  let human = mapping.lowercase ? subject.toLowerCase() : subject;
  const at = human.lastIndexOf('@');
  if (at > 0) {
    const domain = human.slice(at + 1).toLowerCase();
    if (mapping.stripDomains.some((d) => d.toLowerCase() === domain)) human = human.slice(0, at);
  }
  return Object.hasOwn(mapping.map, human) ? mapping.map[human]! : human;
}

/** `*` matches any run of characters; everything else is literal (no regex syntax reaches RegExp). */
export function clientPatternMatches(pattern: string, client: string): boolean {
  if (!pattern.includes('*')) return pattern === client;
  const literal = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${literal}$`, 'su').test(client);
}

/** The agent workflow: the first client claim present, through the client map; else the default workflow. */
export function mapAgent(payload: JWTPayload, mapping: AgentMapping): { agent: string; client: string } {
  const claim = mapping.claims.find((c) => payload[c] !== undefined);
  const client = claim ? parseSubject(payload[claim]) : null;
  if (client === null) throw new GrantRefused(`the token names no usable client (${mapping.claims.join(', ')}): unknown client`);
  // Exact ids first, so a pattern can never shadow a client configured by name.
  const exact = mapping.clients.find((c) => !c.client.includes('*') && c.client === client);
  const pattern = exact ?? mapping.clients.find((c) => clientPatternMatches(c.client, client));
  if (pattern) return { agent: pattern.workflow, client };
  if (mapping.defaultWorkflow) return { agent: mapping.defaultWorkflow, client };
  // Backward compatible: a client id that is an agent workflow id acts as that workflow.
  if (IdSchema.safeParse(client).success) return { agent: client, client };
  throw new GrantRefused(`unknown client: "${client.slice(0, 120)}" is not mapped to an agent workflow and there is no default workflow`);
}

/** A dotted path into the payload (`realm_access.roles`); a string or an array of strings, else nothing. */
function claimAt(payload: JWTPayload, path: string): string[] {
  let value: unknown = payload;
  for (const key of path.split('.')) {
    value = value !== null && typeof value === 'object' && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  }
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** IdP groups → policy groups through the explicit map; unmapped IdP groups are ignored. */
export function mapGroups(payload: JWTPayload, mapping: GroupMapping): IdpGroups {
  const ids = new Set<string>();
  for (const group of claimAt(payload, mapping.claim)) {
    if (!Object.hasOwn(mapping.map, group)) continue;
    const target = mapping.map[group]!;
    for (const id of Array.isArray(target) ? target : [target]) ids.add(id);
  }
  return { rule: mapping.rule, ids: [...ids].sort() };
}

/** Scopes from `scope` (RFC 9068, space-separated) or `scp` (Entra: string; Okta: array). */
export function tokenScopes(payload: JWTPayload): string[] {
  const value = payload.scope ?? payload.scp;
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** `jti`, else Entra's `uti`, else a hash of the token itself: a token is always identifiable in the audit. */
export function tokenId(payload: JWTPayload, token: string): string {
  for (const value of [payload.jti, payload.uti]) {
    if (typeof value === 'string' && value.length > 0 && value.length <= 128 && parseSubject(value) === value) return value;
  }
  return `sha256:${createHash('sha256').update(token).digest('hex')}`;
}
