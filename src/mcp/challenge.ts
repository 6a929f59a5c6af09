/**
 * RFC 6750 §3 / RFC 7235 §4.1 `WWW-Authenticate: Bearer …` challenges. Every parameter is a
 * quoted-string with `\` and `"` escaped; `error_description` is further restricted to the
 * characters RFC 6750 allows there (no quotes or backslashes at all), so a message from a token or
 * a library can never break the header. A request without a token gets no `error` (RFC 6750 §3.1).
 */

export const BEARER_ERRORS = ['invalid_request', 'invalid_token', 'insufficient_scope'] as const;
export type BearerError = (typeof BEARER_ERRORS)[number];

export interface Challenge {
  /** RFC 9728 §5.1: where a client finds the protected resource metadata. */
  resourceMetadata: string;
  /** Scopes a token needs (RFC 6750 §3): advertised even on a first 401 so clients ask for them. */
  scope?: readonly string[];
  error?: BearerError;
  description?: string;
}

/** RFC 7230 quoted-string: escape `\` and `"`; control characters and non-ASCII cannot appear in a header. */
export function quotedString(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '?').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** RFC 6750 §3: error_description is `%x20-21 / %x23-5B / %x5D-7E`, bounded here so a header stays small. */
export function errorDescription(text: string): string {
  return text
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .slice(0, 300);
}

/** Scope tokens are `%x21 / %x23-5B / %x5D-7E` (RFC 6749 §3.3); others are left out, never mangled. */
const isScopeToken = (s: string): boolean => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s);

export function bearerChallenge(challenge: Challenge): string {
  const params: [string, string][] = [['resource_metadata', challenge.resourceMetadata]];
  const scope = (challenge.scope ?? []).filter(isScopeToken);
  if (scope.length > 0) params.push(['scope', scope.join(' ')]);
  if (challenge.error) {
    params.push(['error', challenge.error]);
    if (challenge.description) params.push(['error_description', errorDescription(challenge.description)]);
  }
  return `Bearer ${params.map(([k, v]) => `${k}=${quotedString(v)}`).join(', ')}`;
}
