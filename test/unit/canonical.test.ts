import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, recordHash } from '../../src/audit/canonical.js';

/** The same value with every object's keys inserted in a different (seeded) order. */
function shuffleKeys(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, rand));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, rand)]));
}

const seeded = (seed: number) => () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};

describe('canonicalJson: sorted keys, no whitespace', () => {
  it('is independent of key order, at every level of nesting', () => {
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
    expect(canonicalJson({ z: { y: [{ d: 1, c: 2 }], x: null }, a: 'é' })).toBe('{"a":"é","z":{"x":null,"y":[{"c":2,"d":1}]}}');
    expect(canonicalJson({ outer: { b: { d: 4, c: 3 }, a: 1 } })).toBe(canonicalJson({ outer: { a: 1, b: { c: 3, d: 4 } } }));
  });

  it('keeps array order (arrays are ordered data) and drops undefined object values like JSON does', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson([3, 1, 2])).not.toBe(canonicalJson([1, 2, 3]));
    expect(canonicalJson({ a: 1, gone: undefined })).toBe('{"a":1}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('sorts by code unit, not locale (upper case before lower case)', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, _: 4 })).toBe('{"B":2,"_":4,"a":3,"b":1}');
  });

  it('property: canonicalJson(x) equals canonicalJson(x with shuffled keys), and parses back to x', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (x, seed) => {
        const shuffled = shuffleKeys(x, seeded(seed));
        expect(canonicalJson(shuffled)).toBe(canonicalJson(x));
        expect(canonicalJson(JSON.parse(canonicalJson(x)))).toBe(canonicalJson(x));
      }),
      { numRuns: 300 },
    );
  });

  it('property: canonical form of an object with distinct keys in two orders differs from plain JSON only in order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.integer(), { minKeys: 2 }), (dict) => {
        const reversed = Object.fromEntries(Object.entries(dict).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(dict));
        expect(JSON.parse(canonicalJson(dict))).toEqual(dict);
      }),
    );
  });
});

describe('recordHash', () => {
  const record = {
    seq: 7,
    ts: '2026-11-24T10:00:00.000Z',
    kind: 'call',
    prev_hash: 'a'.repeat(64),
    args: { query: 'INC-2041', k: 3 },
    chunks: [{ doc_id: 'd1', chunk_hash: 'h1' }],
  };

  it("is the same for any key order and ignores its own hash and pino's log tag", () => {
    const h = recordHash(record);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(recordHash(shuffleKeys(record, seeded(42)) as Record<string, unknown>)).toBe(h);
    expect(recordHash({ ...record, hash: 'whatever', log: 'audit' })).toBe(h);
  });

  it('changes when any value changes, anywhere in the record (including prev_hash)', () => {
    const h = recordHash(record);
    const variants: Record<string, unknown>[] = [
      { ...record, seq: 8 },
      { ...record, ts: '2026-11-24T10:00:00.001Z' },
      { ...record, prev_hash: 'b'.repeat(64) },
      { ...record, args: { query: 'INC-2042', k: 3 } },
      { ...record, args: { query: 'INC-2041', k: '3' } },
      { ...record, chunks: [{ doc_id: 'd1', chunk_hash: 'h2' }] },
      { ...record, chunks: [] },
      { ...record, extra: null },
    ];
    for (const v of variants) expect(recordHash(v), JSON.stringify(v)).not.toBe(h);
  });

  it('property: changing one leaf value of a random record changes the hash', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.oneof(fc.integer(), fc.string(), fc.boolean()), { minKeys: 1 }), fc.nat(), (fields, pick) => {
        const rec = { prev_hash: 'p', ...fields };
        const keys = Object.keys(rec).filter((k) => k !== 'hash' && k !== 'log');
        fc.pre(keys.length > 0);
        const key = keys[pick % keys.length]!;
        const changed = { ...rec, [key]: JSON.stringify([(rec as Record<string, unknown>)[key]]) };
        expect(recordHash(changed)).not.toBe(recordHash(rec));
      }),
    );
  });
});
