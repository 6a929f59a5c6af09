/**
 * A strict RFC 7235 §4.1 / RFC 7230 §3.2.6 parser for one `WWW-Authenticate` challenge, used as the
 * test oracle (no maintained npm parser keeps unknown auth-params such as RFC 9728's
 * `resource_metadata` and unescapes quoted-strings). Anything malformed throws: a character-by-
 * character tokenizer, so a stray quote or an unescaped `"` inside a value cannot slip through.
 */
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;

export interface ParsedChallenge {
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenge(header: string): ParsedChallenge {
  let i = 0;
  const peek = () => header[i];
  const token = (): string => {
    const start = i;
    while (i < header.length && TCHAR.test(header[i]!)) i++;
    if (i === start) throw new Error(`expected a token at ${i} in ${JSON.stringify(header)}`);
    return header.slice(start, i);
  };
  const ows = () => {
    while (peek() === ' ' || peek() === '\t') i++;
  };
  const quoted = (): string => {
    if (peek() !== '"') throw new Error(`expected a quoted-string at ${i}`);
    i++;
    let out = '';
    for (;;) {
      const c = header[i++];
      if (c === undefined) throw new Error('unterminated quoted-string');
      if (c === '"') return out;
      if (c === '\\') {
        const next = header[i++];
        if (next === undefined || !/^[\t\x20-\x7e\x80-\xff]$/.test(next)) throw new Error('bad quoted-pair');
        out += next;
      } else if (/^[\t\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff]$/.test(c)) out += c;
      else throw new Error(`character ${JSON.stringify(c)} not allowed in a quoted-string`);
    }
  };
  const scheme = token();
  const params: Record<string, string> = {};
  if (i === header.length) return { scheme, params };
  if (peek() !== ' ') throw new Error('expected a space after the scheme');
  while (peek() === ' ') i++;
  for (;;) {
    const name = token().toLowerCase();
    ows();
    if (peek() !== '=') throw new Error(`expected "=" after ${name}`);
    i++;
    ows();
    const value = peek() === '"' ? quoted() : token();
    if (name in params) throw new Error(`duplicate parameter ${name}`);
    params[name] = value;
    ows();
    if (i === header.length) return { scheme, params };
    if (peek() !== ',') throw new Error(`expected "," at ${i} in ${JSON.stringify(header)}`);
    i++;
    ows();
  }
}

/** RFC 6750 §3: the error codes, and error_description's allowed characters. */
export function assertBearerChallenge(header: string | null, expected: { error?: string; status: number }): ParsedChallenge {
  if (!header) throw new Error('no WWW-Authenticate header');
  const parsed = parseChallenge(header);
  if (parsed.scheme !== 'Bearer') throw new Error(`scheme ${parsed.scheme}`);
  if (expected.error === undefined && 'error' in parsed.params) throw new Error('a request without a token must get no error code');
  if (expected.error !== undefined && parsed.params.error !== expected.error) throw new Error(`error ${parsed.params.error} != ${expected.error}`);
  const description = parsed.params.error_description;
  if (description !== undefined && !/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(description)) throw new Error('error_description has characters RFC 6750 forbids');
  if (!parsed.params.resource_metadata) throw new Error('no resource_metadata');
  new URL(parsed.params.resource_metadata);
  return parsed;
}
