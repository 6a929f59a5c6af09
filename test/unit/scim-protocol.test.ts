import { describe, expect, it } from 'vitest';
import { ScimError } from '../../src/scim/errors.js';
import { parseEqFilter } from '../../src/scim/filter.js';
import { patchGroup, patchUser } from '../../src/scim/patch.js';
import { listResponse, MAX_RESULTS, PatchOpSchema, SCHEMA } from '../../src/scim/resources.js';
import { bearerMatches } from '../../src/scim/routes.js';

const ops = (operations: unknown[]) => PatchOpSchema.parse({ schemas: [SCHEMA.patch], Operations: operations }).Operations;
const scimType = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScimError) return err.scimType;
    throw err;
  }
  return 'no error';
};

describe('SCIM protocol pieces', () => {
  it('filters: eq on the allowed attributes, with escapes; anything else is invalidFilter', () => {
    expect(parseEqFilter('userName eq "a\\"b@x"', ['userName'])).toEqual({ attribute: 'userName', value: 'a"b@x' });
    expect(parseEqFilter('USERNAME EQ "x"', ['userName'])).toEqual({ attribute: 'userName', value: 'x' });
    expect(parseEqFilter(undefined, ['userName'])).toBeNull();
    for (const bad of ['userName co "x"', 'emails eq "x"', 'userName eq "x" or userName eq "y"', 'userName eq x'])
      expect(
        scimType(() => parseEqFilter(bad, ['userName', 'externalId'])),
        bad,
      ).toBe('invalidFilter');
  });

  it('user PATCH: with and without path, Entra-style string booleans; userName cannot be removed', () => {
    const user = { userName: 'hana', externalId: null, displayName: null, active: true };
    expect(patchUser(user, ops([{ op: 'Replace', path: 'active', value: 'False' }]), SCHEMA.user).active).toBe(false);
    expect(patchUser(user, ops([{ op: 'replace', value: { active: false, displayName: 'Hana' } }]), SCHEMA.user)).toMatchObject({
      active: false,
      displayName: 'Hana',
    });
    expect(patchUser(user, ops([{ op: 'add', path: 'name.givenName', value: 'Hana' }]), SCHEMA.user)).toEqual(user);
    expect(scimType(() => patchUser(user, ops([{ op: 'replace', path: 'active', value: 'maybe' }]), SCHEMA.user))).toBe('invalidValue');
    expect(scimType(() => patchUser(user, ops([{ op: 'remove', path: 'userName' }]), SCHEMA.user))).toBe('mutability');
  });

  it('group PATCH: add, remove by filter, remove by value list, remove all, replace; nested groups refused', () => {
    const group = { displayName: 'sre', externalId: null, members: ['a', 'b'] };
    expect(patchGroup(group, ops([{ op: 'add', path: 'members', value: [{ value: 'c' }, { value: 'a' }] }]), SCHEMA.group).members).toEqual(['a', 'b', 'c']);
    expect(patchGroup(group, ops([{ op: 'remove', path: 'members[value eq "a"]' }]), SCHEMA.group).members).toEqual(['b']);
    expect(patchGroup(group, ops([{ op: 'Remove', path: 'members', value: [{ value: 'b' }] }]), SCHEMA.group).members).toEqual(['a']);
    expect(patchGroup(group, ops([{ op: 'remove', path: 'members' }]), SCHEMA.group).members).toEqual([]);
    expect(patchGroup(group, ops([{ op: 'replace', path: 'members', value: [{ value: 'z' }] }]), SCHEMA.group).members).toEqual(['z']);
    expect(scimType(() => patchGroup(group, ops([{ op: 'add', path: 'members', value: [{ value: 'g', type: 'Group' }] }]), SCHEMA.group))).toBe('invalidValue');
    expect(scimType(() => patchGroup(group, ops([{ op: 'replace', path: 'owners', value: 'x' }]), SCHEMA.group))).toBe('invalidPath');
  });

  it('the bearer check accepts exactly the token', () => {
    const token = 'x'.repeat(40);
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
    for (const header of [undefined, '', token, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, `Basic ${token}`])
      expect(bearerMatches(header, token), String(header)).toBe(false);
  });
});

describe('SCIM list responses', () => {
  it('pages with a 1-based startIndex and count, capped at maxResults; a bad number is invalidValue', () => {
    const resources = Array.from({ length: 1500 }, (_, i) => ({ id: String(i) }));
    expect(listResponse(resources.slice(0, 5), { startIndex: '2', count: '2' })).toMatchObject({
      totalResults: 5,
      startIndex: 2,
      itemsPerPage: 2,
      Resources: [{ id: '1' }, { id: '2' }],
    });
    expect(listResponse(resources.slice(0, 5), { count: '0' })).toMatchObject({ totalResults: 5, itemsPerPage: 0 });
    expect(listResponse(resources, {})).toMatchObject({ totalResults: 1500, itemsPerPage: MAX_RESULTS });
    expect(scimType(() => listResponse(resources, { count: 'many' }))).toBe('invalidValue');
  });
});
