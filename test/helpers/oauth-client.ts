import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { TestBrowser } from './browser.js';

/**
 * An `OAuthClientProvider` for the MCP SDK's own OAuth flow that plays the user's browser: when the
 * SDK asks to redirect to the authorization endpoint, it follows every redirect (with cookies)
 * through the IdP's sign-in and consent until the IdP redirects back with the code.
 */
export class FollowingOAuthClient implements OAuthClientProvider {
  private info: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';
  /** The authorization code the IdP redirected back with, for `transport.finishAuth`. */
  code: string | undefined;
  readonly visited: string[] = [];

  constructor(
    readonly redirectUrl: string,
    preRegisteredClientId?: string,
  ) {
    if (preRegisteredClientId) this.info = { client_id: preRegisteredClientId };
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'acceptance test agent',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    } as OAuthClientMetadata;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.info = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    return this.verifier;
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    const browser = new TestBrowser();
    let next = url.href;
    for (let hop = 0; hop < 10; hop++) {
      this.visited.push(next);
      if (next.startsWith(this.redirectUrl)) {
        const back = new URL(next);
        const code = back.searchParams.get('code');
        if (!code) throw new Error(`the IdP redirected back without a code: ${next}`);
        this.code = code;
        return;
      }
      const res = await browser.request(next);
      const location = res.headers.get('location');
      if (!location) throw new Error(`the IdP answered ${res.status} without a redirect at ${next}: ${(await res.text()).slice(0, 300)}`);
      next = new URL(location, next).href;
    }
    throw new Error(`too many redirects: ${this.visited.map((u) => new URL(u).pathname).join(' -> ')}`);
  }
}
