import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens bound to the session (or, before sign-in, to a pre-session cookie): an HMAC under a
 * secret this console instance draws at start, so a token is useless with any other cookie.
 */
export class CsrfTokens {
  private readonly secret = randomBytes(32);

  tokenFor(binding: string): string {
    return createHmac('sha256', this.secret).update(binding).digest('base64url');
  }

  check(binding: string, token: unknown): boolean {
    if (typeof token !== 'string' || !binding) return false;
    const want = Buffer.from(this.tokenFor(binding));
    const got = Buffer.from(token);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}
