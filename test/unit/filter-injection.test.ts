import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkWhere, permissionFilter, type ReadScope } from '../../src/store/permission-filter.js';
import { predicatesFor } from '../../src/store/predicates.js';
import { sqlString, UnsafeLiteralError } from '../../src/store/sql.js';
import { chunkRow, tempStore } from '../helpers/chunk-rows.js';

const HOSTILE = [
  "' OR 1=1 --",
  "x') OR ('1'='1",
  "a'; DROP TABLE chunks; --",
  "\\' OR true OR '\\",
  'group:sre\\',
  "quote'in'middle",
  "Ωmega ' ∨ 1=1",
  "ｇroup:sre' OR 'a'='a",
  "'')) OR array_has_any(acl_doc, ['*']) --",
  '"; select 1; "',
];

function authority(values: Partial<ReadScope>): ReadScope {
  return { principals: ['user:h'], classes: [{ id: 'internal' }], sources: 'all', gatedSources: [], ...values };
}

describe('the permission filter cannot be injected', () => {
  it('escapes every value so hostile principals, classes and sources match only themselves in a real LanceDB table', async () => {
    const store = await tempStore('clearance-inj-');
    const table = await store.chunks();
    const row = (id: string, cls: string, source: string, acl: string[]) =>
      chunkRow({
        chunk_id: id,
        source,
        doc_id: `${source}/${id}`,
        text: `secret ${id}`,
        data_class: cls,
        acl_source: acl,
        acl_doc: acl,
      });
    await table.add([
      row('secret', 'security', 'vault', ['group:security']),
      row('public', 'public', 'docs', ['*']),
      ...HOSTILE.map((h, i) => row(`hostile${i}`, h, h, [h])),
    ]);
    for (const [i, hostile] of HOSTILE.entries()) {
      // The hostile value stands in every position at once: principal, class and source.
      const auth = authority({ principals: [hostile], classes: [{ id: hostile }], sources: [hostile] });
      const rows = await table.rows(permissionFilter(auth)!, { select: ['chunk_id'] });
      expect(
        rows.map((r) => r.chunk_id),
        hostile,
      ).toEqual([`hostile${i}`]);
      // Every predicate helper treats the hostile value as one literal too.
      for (const where of [
        chunkWhere.eq('doc_id', `${hostile}/hostile${i}`),
        chunkWhere.in('source', [hostile]),
        chunkWhere.hasAny('acl_doc', [hostile]),
        chunkWhere.and(chunkWhere.eq('data_class', hostile), chunkWhere.notIn('source', ['docs'])),
      ]) {
        expect(
          (await table.rows(where, { select: ['chunk_id'] })).map((r) => r.chunk_id),
          `${hostile}: ${where}`,
        ).toEqual([`hostile${i}`]);
      }
    }
    expect((await table.rows(chunkWhere.in('source', []), { select: ['chunk_id'] })).length, 'an empty IN list matches nothing').toBe(0);
    store.close();
  });

  it('round-trips any string without control characters as one literal, and refuses control characters', () => {
    fc.assert(
      fc.property(
        // eslint-disable-next-line no-control-regex -- the property excludes control characters
        fc.string({ unit: 'grapheme' }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s)),
        (s) => {
          const literal = sqlString(s);
          expect(literal.startsWith("'") && literal.endsWith("'")).toBe(true);
          // Inside the quotes, every quote is doubled: the literal cannot end early.
          expect(literal.slice(1, -1).replaceAll("''", '')).not.toContain("'");
        },
      ),
    );
    expect(() => sqlString('a\u0000b')).toThrow(UnsafeLiteralError);
    expect(() => sqlString('line\nbreak')).toThrow(UnsafeLiteralError);
  });

  it('an authority that permits nothing yields no filter (callers skip the query), never an empty one', () => {
    expect(permissionFilter(authority({ classes: [] }))).toBeNull();
    expect(permissionFilter(authority({ principals: [] }))).toBeNull();
    expect(permissionFilter(authority({ sources: [] }))).toBeNull();
  });

  it('column names are never taken from data: a name that is not a plain identifier is refused', () => {
    const where = predicatesFor<string>();
    for (const column of ['doc_id; DROP', "a' OR '1", 'x OR true', 'Doc_Id', '']) expect(() => where.eq(column, 'v'), column).toThrow(/not a column name/);
  });

  it('an integer comparison takes only safe integers: anything else is refused, never formatted into the text', () => {
    const where = predicatesFor<'seq'>();
    expect(where.eqInt('seq', 42)).toBe('seq = 42');
    for (const value of [1.5, NaN, Infinity, 2 ** 60, '1 OR true' as unknown as number])
      expect(() => where.eqInt('seq', value), String(value)).toThrow(/not an integer/);
  });
});
