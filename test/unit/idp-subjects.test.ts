import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientPatternMatches, mapHuman } from '../../src/identity/claims.js';
import { parseSubject, SubjectSchema } from '../../src/identity/subject.js';
import { permissionFilter, type ReadScope } from '../../src/store/permission-filter.js';
import { chunkRow, tempStore } from '../helpers/chunk-rows.js';

/** IdP subjects as they come: emails, UUIDs, URL-form client ids, and anything else the grammar admits. */
const subjects = fc.oneof(
  fc.emailAddress(),
  fc.uuid(),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }).map((s) => `${s}'"\\ OR 1=1 --`),
);

describe('IdP subjects are opaque strings, safely handled', () => {
  it('the subject grammar: bounded, NFC, no control or invisible formatting characters', () => {
    for (const ok of ['alice@northwind.example', '00u1a2b3c4D5e6F7g8h9', 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ', 'https://a.example/c.json', 'Zoë'])
      expect(SubjectSchema.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['', 'a\u0000b', 'line\nbreak', 'rtl\u202Eoverride', 'zero\u200Bwidth', 'x'.repeat(257), 'Zoe\u0308'])
      expect(SubjectSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    // A decomposed form is normalised to NFC on the way in, never refused for it.
    expect(parseSubject('Zoe\u0308')).toBe('Zoë');
  });

  it('a look-alike or mixed-case subject never becomes another policy id by normalisation', () => {
    const human = { claim: 'email' as const, lowercase: true, stripDomains: ['northwind.example'], map: {} };
    expect(mapHuman({ email: 'Alice@Northwind.Example' }, human)).toBe('alice');
    expect(mapHuman({ email: 'аlice@northwind.example' }, human)).not.toBe('alice'); // Cyrillic а
    expect(mapHuman({ email: 'alice@evil.example' }, human)).toBe('alice@evil.example');
  });

  it('client patterns are literal except for *, whatever the id contains', () => {
    expect(clientPatternMatches('https://agents.northwind.example/*', 'https://agents.northwind.example/c/ops.json')).toBe(true);
    expect(clientPatternMatches('https://agents.northwind.example/*', 'https://agentsXnorthwind.example/c')).toBe(false);
    expect(clientPatternMatches('app.(x)+', 'app.(x)+')).toBe(true);
    expect(clientPatternMatches('app.(x)+*', 'appx')).toBe(false);
    // Without *, a pattern is an exact match; with *, every other character stays literal.
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => clientPatternMatches(a.replaceAll('*', ''), b) === (a.replaceAll('*', '') === b)));
    fc.assert(fc.property(fc.string(), (a) => clientPatternMatches(`${a.replaceAll('*', '')}*`, `${a.replaceAll('*', '')}tail`)));
  });

  it('generated email, UUID and URL principals match only themselves in a real LanceDB permission filter', async () => {
    const store = await tempStore('clearance-subj-');
    const table = await store.chunks();
    const ids = [
      ...new Set(
        fc
          .sample(subjects, { numRuns: 40, seed: 17 })
          .map((s) => parseSubject(s))
          .filter((s): s is string => s !== null),
      ),
    ];
    await table.add(
      ['*', ...ids].map((id, i) =>
        chunkRow({
          chunk_id: `c${i}`,
          doc_id: `docs/c${i}`,
          title: 't',
          text: `secret ${i}`,
          chunk_hash: `h${i}`,
          acl_source: [i === 0 ? '*' : `user:${id}`],
          acl_doc: [i === 0 ? '*' : `user:${id}`],
        }),
      ),
    );
    for (const [i, id] of ids.entries()) {
      const scope: ReadScope = { principals: [`user:${id}`], classes: [{ id: 'internal' }], sources: 'all', gatedSources: [] };
      const rows = await table.rows(permissionFilter(scope)!, { select: ['chunk_id'] });
      expect(
        rows.map((r) => r.chunk_id),
        id,
      ).toEqual([`c${i + 1}`]);
    }
    store.close();
  });
});
