/**
 * The parts of a person's browser an IdP's sign-in pages need: cookies across requests, redirects
 * followed one at a time (so a caller can stop at a redirect back to its client), and posting the
 * hidden-field forms an IdP renders (form_post, device-code confirmation).
 */
export class TestBrowser {
  private readonly cookies = new Map<string, string>();
  readonly visited: string[] = [];

  async request(url: string, form?: Record<string, string>): Promise<Response> {
    this.visited.push(url);
    const res = await fetch(url, {
      redirect: 'manual',
      method: form ? 'POST' : 'GET',
      headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      ...(form ? { body: new URLSearchParams(form) } : {}),
    });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1));
    }
    return res;
  }

  /** Follows redirects and posts every hidden-field form until a page without either, which it returns. */
  async submitThrough(url: string, maxHops = 20): Promise<string> {
    let res = await this.request(url);
    for (let hop = 0; hop < maxHops; hop++) {
      const location = res.headers.get('location');
      if (location) {
        res = await this.request(new URL(location, res.url || this.visited.at(-1)).href);
        continue;
      }
      const page = await res.text();
      const form = /<form[^>]*method="post"[^>]*action="([^"]+)"/.exec(page);
      if (!form) return page;
      const fields = Object.fromEntries([...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g)].map((m) => [m[1]!, m[2]!]));
      res = await this.request(new URL(form[1]!.replace(/&amp;/g, '&'), this.visited.at(-1)).href, fields);
    }
    throw new Error(`too many hops: ${this.visited.map((u) => new URL(u).pathname).join(' -> ')}`);
  }
}
