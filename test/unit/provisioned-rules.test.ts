import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config/package.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { readPolicyFiles } from '../../src/policy/files.js';
import type { ProvisionedGroup, ProvisionedState, ProvisionedUser } from '../../src/policy/provisioned.js';
import { withProvisioned } from '../../src/policy/provisioned-rules.js';

const POLICY = path.join(PACKAGE_ROOT, 'policy');
const PEOPLE = ['alice', 'bob', 'carol', 'dan', 'erin', 'frank', 'gina'];
const NEWCOMERS = ['hana', 'ivan'];
const GROUPS = ['engineering', 'sre', 'security', 'support', 'newteam'];

/** people.csv's memberships, read independently of the engine (the sample has no nested groups). */
async function peopleCsv(): Promise<Map<string, string[]>> {
  const files = await readPolicyFiles(POLICY);
  const groups = new Map<string, string[]>();
  for (const line of files.texts['people.csv']!.split('\n')) {
    const m = /^g, user:([a-z0-9_.-]+), (group:[a-z0-9_.-]+)$/.exec(line.trim());
    if (m) groups.set(m[1]!, [...(groups.get(m[1]!) ?? []), m[2]!]);
  }
  return groups;
}

const at = '2026-12-01T00:00:00.000Z';
const stateArb = fc
  .uniqueArray(
    fc.record({ human: fc.constantFrom(...PEOPLE, ...NEWCOMERS), status: fc.constantFrom('active' as const, 'inactive' as const, 'deleted' as const) }),
    {
      selector: (u) => u.human,
    },
  )
  .chain((users) =>
    fc.record({
      users: fc.constant(users),
      groups: fc.uniqueArray(fc.record({ name: fc.constantFrom(...GROUPS), members: fc.subarray(users.map((u) => u.human)) }), { selector: (g) => g.name }),
    }),
  )
  .map(({ users, groups }): ProvisionedState => {
    const rows: ProvisionedUser[] = users.map((u) => ({
      id: `id-${u.human}`,
      user_name: u.human,
      human: u.human,
      external_id: null,
      display_name: null,
      status: u.status,
      created_at: at,
      updated_at: at,
    }));
    const groupRows: ProvisionedGroup[] = groups.map((g) => ({
      id: `g-${g.name}`,
      display_name: g.name,
      external_id: null,
      members: g.members.map((h) => `id-${h}`),
      created_at: at,
      updated_at: at,
    }));
    return { users: rows, groups: groupRows };
  });

describe('the SCIM directory merged into the policy', () => {
  it('principals follow the documented precedence, against an oracle built from people.csv and the SCIM state', async () => {
    const base = await readPolicyFiles(POLICY);
    const csv = await peopleCsv();
    await fc.assert(
      fc.asyncProperty(stateArb, async (state) => {
        const engine = await PolicyEngine.fromFiles(withProvisioned(base, state), POLICY);
        for (const human of [...PEOPLE, ...NEWCOMERS]) {
          const row = state.users.find((u) => u.human === human);
          let expected: string[];
          if (row && row.status !== 'active') expected = [];
          else if (!row && !csv.has(human)) expected = [];
          else {
            const scimGroups = row ? state.groups.filter((g) => g.members.includes(row.id)).map((g) => `group:${g.display_name}`) : [];
            const groups = new Set([...(csv.get(human) ?? []), ...(row ? ['group:everyone'] : []), ...scimGroups]);
            expected = ['*', ...[`user:${human}`, ...groups].sort()];
          }
          expect(engine.humanPrincipals(human), `${human} in ${JSON.stringify(state)}`).toEqual(expected);
          expect(engine.isHuman(human)).toBe(expected.length > 0);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("a provisioned membership gets the group's class rules; the policy version and texts stay the policy's", async () => {
    const base = await readPolicyFiles(POLICY);
    const hana: ProvisionedUser = {
      id: 'u1',
      user_name: 'hana',
      human: 'hana',
      external_id: null,
      display_name: null,
      status: 'active',
      created_at: at,
      updated_at: at,
    };
    const merged = withProvisioned(base, {
      users: [hana],
      groups: [{ id: 'g1', display_name: 'security', external_id: null, members: ['u1'], created_at: at, updated_at: at }],
    });
    const engine = await PolicyEngine.fromFiles(merged, POLICY);
    expect(engine.classAccess('hana', 'security').access).toBe('read');
    // approvals.csv's group rules apply to a provisioned member as to a people.csv one.
    expect(engine.classAccess('hana', 'regulated').access).toBe('approval');
    expect(engine.classAccess('hana', 'business').access).toBe('none');
    expect(engine.version).toBe(base.version);
    expect(merged.texts).toBe(base.texts);
  });
});
