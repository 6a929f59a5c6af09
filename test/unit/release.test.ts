import { describe, expect, it } from 'vitest';
import { checkRelease, QUOTE_THRESHOLD, shingleHashes, type ReaderSets, type ReleaseInput } from '../../src/governance/release.js';

// Reader sets chosen so that ranks would give the wrong answer: "ops" has a higher rank in the real
// catalogue sense than "wiki", but their reader sets are not nested.
const READERS: Record<string, string[]> = {
  public: ['alice', 'bob', 'carol', 'dan'],
  wiki: ['alice', 'bob', 'carol'],
  ops: ['alice', 'carol'],
  billing: ['bob', 'dan'],
  empty: [],
};
const readers: ReaderSets = { readersOfClass: (c) => new Set(READERS[c] ?? []) };

const SECRET_TEXT = 'the rollback of the checkout service was triggered by a bad canary config push on tuesday night';
const chunk = (data_class: string, text = SECRET_TEXT, doc_id = `${data_class}/doc.md`) => ({
  data_class,
  source: data_class,
  doc_id,
  chunk_hash: `h-${doc_id}`,
  shingles: shingleHashes(text),
});
const release = (over: Partial<ReleaseInput>) => checkRelease({ received: [], destinationClass: 'public', readers, ...over });

describe('checkRelease: the reader-set rule', () => {
  it('nothing received: anything may be released, and the reason says so', () => {
    expect(release({ destinationClass: 'public' })).toEqual({
      allowed: true,
      reason: 'this run has received nothing yet; public is fine',
      blocking_classes: [],
      quoted: [],
    });
  });

  it('allowed when every reader of the destination reads every received class', () => {
    const v = release({ received: [chunk('public'), chunk('wiki')], destinationClass: 'ops' });
    expect(v).toMatchObject({ allowed: true, blocking_classes: [], reason: 'everyone who reads ops may read public, wiki' });
  });

  it('blocked when some reader of the destination cannot read a received class', () => {
    const v = release({ received: [chunk('ops')], destinationClass: 'wiki' });
    expect(v.allowed).toBe(false);
    expect(v.blocking_classes).toEqual(['ops']);
    expect(v.reason).toBe('this run received ops content, which not every reader of wiki may read');
  });

  it('reader sets, not ranks: disjoint sets block both ways', () => {
    expect(release({ received: [chunk('billing')], destinationClass: 'ops' }).blocking_classes).toEqual(['billing']);
    expect(release({ received: [chunk('ops')], destinationClass: 'billing' }).blocking_classes).toEqual(['ops']);
    // Same class: always fine.
    expect(release({ received: [chunk('billing')], destinationClass: 'billing' }).allowed).toBe(true);
    // A destination nobody reads can take anything.
    expect(release({ received: [chunk('ops'), chunk('billing')], destinationClass: 'empty' }).allowed).toBe(true);
  });

  it('lists every blocking class once, sorted, and only the blocking ones', () => {
    const v = release({ received: [chunk('ops', 'x', 'ops/1'), chunk('public'), chunk('billing'), chunk('ops', 'y', 'ops/2')], destinationClass: 'public' });
    expect(v.blocking_classes).toEqual(['billing', 'ops']);
    expect(v.reason).toBe('this run received billing, ops content, which not every reader of public may read');
  });

  it('the whole taint set decides: a draft that quotes nothing is still blocked', () => {
    const v = release({
      received: [chunk('ops')],
      destinationClass: 'public',
      draft: 'a summary in entirely different words about nothing in particular at all',
    });
    expect(v).toMatchObject({ allowed: false, blocking_classes: ['ops'], quoted: [] });
  });
});

describe('checkRelease: quote detection (5-word shingles, threshold)', () => {
  it(`the threshold is ${QUOTE_THRESHOLD} of a chunk's shingles`, () => {
    expect(QUOTE_THRESHOLD).toBe(0.2);
  });

  it('a verbatim quote is reported with overlap 1 and named in the reason when its class blocks', () => {
    const v = release({ received: [chunk('ops')], destinationClass: 'public', draft: `FYI: ${SECRET_TEXT.toUpperCase()}!` });
    expect(v.quoted).toEqual([{ doc_id: 'ops/doc.md', data_class: 'ops', chunk_hash: 'h-ops/doc.md', overlap: 1 }]);
    expect(v.reason).toBe('the draft quotes ops content (ops/doc.md), which not every reader of public may read');
  });

  it('counts shared shingles: at the threshold it is a quote, just below it is not', () => {
    // 20 distinct words = 16 shingles; 0.2 × 16 = 3.2, so 4 shared shingles (8 words) quote, 3 (7 words) do not.
    const words = Array.from({ length: 20 }, (_, i) => `w${i}`);
    const text = words.join(' ');
    const withWords = (n: number) => `unrelated prefix ${words.slice(0, n).join(' ')} unrelated suffix`;
    const at = release({ received: [chunk('ops', text)], destinationClass: 'public', draft: withWords(8) });
    expect(at.quoted).toEqual([expect.objectContaining({ overlap: 0.25 })]);
    const below = release({ received: [chunk('ops', text)], destinationClass: 'public', draft: withWords(7) });
    expect(below.quoted).toEqual([]);
    // Word order matters: the same words shuffled share no shingle.
    expect(release({ received: [chunk('ops', text)], destinationClass: 'public', draft: [...words].reverse().join(' ') }).quoted).toEqual([]);
  });

  it('normalises case, punctuation and Unicode compatibility forms', () => {
    const v = release({
      received: [chunk('ops', 'Ｃheckout latency rose after the config push')],
      destinationClass: 'public',
      draft: 'checkout, LATENCY; rose — after the: config push.',
    });
    expect(v.quoted).toHaveLength(1);
    expect(v.quoted[0]!.overlap).toBe(1);
  });

  it('chunks shorter than one shingle never count as quoted', () => {
    expect(release({ received: [chunk('ops', 'four words only here')], destinationClass: 'public', draft: 'four words only here' }).quoted).toEqual([]);
  });

  it('quotes from allowed classes are reported but do not block; sorted by overlap, highest first', () => {
    const half = SECRET_TEXT.split(' ').slice(0, 9).join(' ');
    const v = release({
      received: [chunk('public', half + ' and more words that the draft does not contain at all', 'public/p.md'), chunk('wiki', SECRET_TEXT, 'wiki/w.md')],
      destinationClass: 'wiki',
      draft: SECRET_TEXT,
    });
    expect(v.allowed).toBe(true);
    expect(v.quoted.map((q) => q.doc_id)).toEqual(['wiki/w.md', 'public/p.md']);
    expect(v.quoted[0]!.overlap).toBeGreaterThan(v.quoted[1]!.overlap);
  });

  it('the reason names only blocking quoted chunks', () => {
    const v = release({
      received: [chunk('public', SECRET_TEXT, 'public/p.md'), chunk('ops', SECRET_TEXT, 'ops/o.md')],
      destinationClass: 'public',
      draft: SECRET_TEXT,
    });
    expect(v.quoted).toHaveLength(2);
    expect(v.reason).toBe('the draft quotes ops content (ops/o.md), which not every reader of public may read');
  });

  it('no draft: no quote detection at all', () => {
    expect(release({ received: [chunk('ops')], destinationClass: 'public' }).quoted).toEqual([]);
  });
});
