import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCardNumbers, luhnValid } from '../../src/ingest/dlp/cards.js';
import { findSecrets } from '../../src/ingest/dlp/secrets.js';
import { screenDocument } from '../../src/ingest/dlp/screen.js';
import type { ParsedDoc } from '../../src/ingest/document.js';
import { parseMarkdown } from '../../src/ingest/parse/markdown.js';
import { ClassInfoSchema } from '../../src/policy/files.js';

const checkDigit = (body: string) => [...'0123456789'].find((d) => luhnValid(body + d))!;
const digits = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((a) => a.join(''));

// Fake credentials of the shapes secretlint's recommended preset knows (none is real).
const PEM_BODY = `MIIEowIBAAKCAQEA${'q7Vx3LkP9ZtRb2Wn5YhG8sJd4mFcE6aU1oNi0TgKwHyQe'.repeat(3)}`;
const SECRETS: [kind: string, text: string, secret: string][] = [
  ['aws-access-key-id', 'key id AKIAZNWCLOUD7TEST4QX in the config', 'AKIAZNWCLOUD7TEST4QX'],
  ['aws-secret-access-key', 'aws_secret_access_key = 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\n', 'nW7rTq2LxP9vKd4sHm8ZbYc3FjE6gUa1oRi5NtQw'],
  ['github-token', 'token ghp_Z8mQ2xR7vL4nT9wK3pB6yH1cF5dJ0sA2gE7u please', 'ghp_Z8mQ2xR7vL4nT9wK3pB6yH1cF5dJ0sA2gE7u'],
  ['slack-token', 'bot xoxb-2048-4096-Qm7Tz2LkW9pRx4Vb here', 'xoxb-2048-4096-Qm7Tz2LkW9pRx4Vb'],
  ['private-key', `-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----`, PEM_BODY],
  ['basic-auth', 'see https://svc_checkout:Wv8qTz3Lm@db.northwind.io/status', 'svc_checkout:Wv8qTz3Lm'],
  ['password', 'admin portal password: Fjord!Line-2026\nthanks', 'Fjord!Line-2026'],
];

// Text from the sample tickets and the kinds of numbers tickets are full of.
const ORDINARY = [
  'Merchant Larkspur Books reports that about one in ten card payments failed with a timeout between 14:15 and 14:45 UTC on 14 October.',
  'Customer asked how to reset their password; we sent the reset link and closed the ticket. The password policy needs 12 characters.',
  'Keys may have been written to internal logs for 40 minutes during INC-2041; rotation is a precaution. Call +47 22 33 44 55.',
  'Invoice 2026-10-14 for order 1000234567890123 (refund ref 55500012345678901, batch 20261014093000) was paid by card ending 1111.',
];

describe('payment card numbers', () => {
  it('Luhn: the check digit makes a number valid, and any single changed digit makes it invalid', () => {
    fc.assert(
      fc.property(digits(12, 18), fc.nat(), fc.integer({ min: 1, max: 9 }), (body, at, bump) => {
        const card = body + checkDigit(body);
        expect(luhnValid(card)).toBe(true);
        const i = at % card.length;
        const changed = card.slice(0, i) + ((Number(card[i]) + bump) % 10) + card.slice(i + 1);
        expect(luhnValid(changed)).toBe(false);
      }),
    );
  });

  it('finds a Luhn-valid card however it is grouped, at its exact span, inside ordinary words', () => {
    fc.assert(
      fc.property(digits(12, 18), fc.constantFrom('', ' ', '-'), fc.string({ unit: fc.constantFrom('a', 'b', ' ', '.', '\n') }), (body, sep, pad) => {
        const card = (body + checkDigit(body)).replace(/(\d{4})(?=\d)/g, `$1${sep}`);
        const text = `${pad}card ${card} ok${pad}`;
        expect(findCardNumbers(text)).toEqual([{ start: pad.length + 5, end: pad.length + 5 + card.length }]);
      }),
    );
  });

  it('true positives: test cards of several lengths, and a card followed by the expiry year in the same run', () => {
    for (const card of ['4111 1111 1111 1111', '4111-1111-1111-1111', '4111111111111111', '378282246310005', '6011 0009 9013 9424', '4222222222222']) {
      const text = `paid with ${card}.`;
      expect(findCardNumbers(text).map((s) => text.slice(s.start, s.end))).toEqual([card]);
    }
    const text = 'card 4111 1111 1111 1111 2029 declined';
    expect(findCardNumbers(text).map((s) => text.slice(s.start, s.end))).toEqual(['4111 1111 1111 1111']);
  });

  it('no false positive on ordinary ticket text or on long order numbers that fail Luhn', () => {
    expect(luhnValid('1000234567890123')).toBe(false);
    expect(luhnValid('55500012345678901')).toBe(false);
    for (const text of ORDINARY) expect(findCardNumbers(text), text).toEqual([]);
    // A 16-digit Luhn-valid number inside a longer run of digits is an id, not a card.
    expect(findCardNumbers('ref 4111111111111111000 ok')).toEqual([]);
  });
});

describe('secrets (secretlint recommended preset + password lines)', () => {
  it.each(SECRETS)('finds %s, with a span that covers the whole secret', async (kind, text, secret) => {
    const hits = await findSecrets(text);
    const hit = hits.find((h) => h.kind === kind);
    expect(hit, JSON.stringify(hits.map((h) => h.kind))).toBeDefined();
    const at = text.indexOf(secret);
    expect(hit!.start).toBeLessThanOrEqual(at);
    expect(hit!.end).toBeGreaterThanOrEqual(at + secret.length);
    expect(JSON.stringify(hits)).not.toContain(secret);
  });

  it('the AWS secret key span is the key itself (the rule reports the match start with the key length)', async () => {
    const text = 'aws_secret_access_key = nW7rTq2LxP9vKd4sHm8ZbYc3FjE6gUa1oRi5NtQw\n';
    const [hit] = (await findSecrets(text)).filter((h) => h.kind === 'aws-secret-access-key');
    expect(text.slice(hit!.start, hit!.end)).toBe('nW7rTq2LxP9vKd4sHm8ZbYc3FjE6gUa1oRi5NtQw');
  });

  it('no false positive on ordinary ticket text', async () => {
    for (const text of ORDINARY) expect(await findSecrets(text), text).toEqual([]);
  });

  it('a "secretlint-disable" comment in a document does not hide a secret', async () => {
    const hits = await findSecrets('<!-- secretlint-disable -->\naws_secret_access_key = nW7rTq2LxP9vKd4sHm8ZbYc3FjE6gUa1oRi5NtQw\n');
    expect(hits.map((h) => h.kind)).toContain('aws-secret-access-key');
  });
});

describe('screenDocument', () => {
  const secret = 'nW7rTq2LxP9vKd4sHm8ZbYc3FjE6gUa1oRi5NtQw';
  const md = `# Config\n\nPasted: aws_secret_access_key = ${secret}\n\n## Card 4111 1111 1111 1111\n\nDeclined twice.\n`;
  const doc: ParsedDoc = parseMarkdown(md, 'tickets/t.md', 't.md');

  it('redact: markers replace the spans in text and headings, heading offsets stay on their headings', async () => {
    const { doc: out, findings, refusal } = await screenDocument(doc, 'customer', 'redact');
    expect(refusal).toBeNull();
    expect(out!.text).toContain('[REDACTED:aws-secret-access-key]');
    expect(out!.text).toContain('[REDACTED:payment-card]');
    expect(JSON.stringify(out)).not.toContain(secret);
    expect(JSON.stringify(out)).not.toMatch(/4111/);
    for (const h of out!.headings) expect(out!.text.slice(h.offset)).toMatch(/^#+ /);
    expect(findings!.findings.map((f) => f.kind).sort()).toEqual(['aws-secret-access-key', 'payment-card']);
    for (const f of findings!.findings) expect(doc.text.slice(f.start, f.end)).toMatch(new RegExp(`${secret}|4111 1111 1111 1111`));
    expect(JSON.stringify(findings)).not.toContain(secret);
  });

  it('flag keeps the text and reports; refuse drops the document with a reason naming the rule, not the secret', async () => {
    const flagged = await screenDocument(doc, 'customer', 'flag');
    expect(flagged.doc).toBe(doc);
    expect(flagged.findings!.mode).toBe('flag');
    const refused = await screenDocument(doc, 'customer', 'refuse');
    expect(refused.doc).toBeNull();
    expect(refused.refusal!.path).toBe('t.md');
    expect(refused.refusal!.reason).toMatch(/@secretlint\/secretlint-rule-aws/);
    expect(refused.refusal!.reason).toMatch(/clearance\/payment-card-luhn/);
    expect(JSON.stringify(refused)).not.toContain(secret);
    expect(JSON.stringify(refused)).not.toMatch(/4111/);
  });

  it('a document with nothing in it passes unchanged', async () => {
    const plain = parseMarkdown(ORDINARY.join('\n\n'), 'tickets/p.md', 'p.md');
    expect(await screenDocument(plain, 'customer', 'refuse')).toEqual({ doc: plain, findings: null, refusal: null });
  });
});

describe('the secrets option of a class (policy/classes.yaml)', () => {
  const cls = { id: 'customer', rank: 4, description: 'Customer tickets.' };
  it('defaults to redact when a class omits it, and takes only redact, flag or refuse', () => {
    expect(ClassInfoSchema.parse(cls).secrets).toBe('redact');
    for (const secrets of ['redact', 'flag', 'refuse']) expect(ClassInfoSchema.parse({ ...cls, secrets }).secrets).toBe(secrets);
    expect(ClassInfoSchema.safeParse({ ...cls, secrets: 'ignore' }).success).toBe(false);
  });
});
