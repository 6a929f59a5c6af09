import { Field, List, Schema, Utf8 } from 'apache-arrow';
import { z } from 'zod';
import { predicatesFor } from '../store/predicates.js';
import type { Store } from '../store/store.js';
import type { TypedTable } from '../store/typed-table.js';

/**
 * People and group memberships an identity provider provisions over SCIM, kept in the store so every
 * server process over it (and every admin command) sees the same directory. The policy merges them
 * (provisioned-rules.ts); the SCIM endpoint (src/scim) is the only writer.
 */
const text = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);

export const ProvisionedUserRowSchema = z.object({
  id: z.string(),
  user_name: z.string(),
  /** The policy human id the userName (or externalId) maps to. */
  human: z.string(),
  external_id: z.string().nullable(),
  display_name: z.string().nullable(),
  /** `deleted` keeps the row as a tombstone: a deleted person stays deprovisioned until provisioned again. */
  status: z.enum(['active', 'inactive', 'deleted']),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ProvisionedUser = z.infer<typeof ProvisionedUserRowSchema>;
const userArrow = new Schema([
  ...['id', 'user_name', 'human'].map((n) => text(n)),
  ...['external_id', 'display_name'].map((n) => text(n, true)),
  ...['status', 'created_at', 'updated_at'].map((n) => text(n)),
]);

export const ProvisionedGroupRowSchema = z.object({
  id: z.string(),
  /** The policy group id (`group:<display_name>`). */
  display_name: z.string(),
  external_id: z.string().nullable(),
  /** SCIM ids of the member users. */
  members: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ProvisionedGroup = z.infer<typeof ProvisionedGroupRowSchema>;
const groupArrow = new Schema([
  text('id'),
  text('display_name'),
  text('external_id', true),
  new Field('members', new List(new Field('item', new Utf8(), true)), false),
  text('created_at'),
  text('updated_at'),
]);

export const PROVISIONED_TABLES = { users: 'gov_scim_users', groups: 'gov_scim_groups' } as const;
const userWhere = predicatesFor<keyof ProvisionedUser>();
const groupWhere = predicatesFor<keyof ProvisionedGroup>();

/** What the policy merges: every provisioned user (tombstones included) and group, read at one moment. */
export interface ProvisionedState {
  users: ProvisionedUser[];
  groups: ProvisionedGroup[];
}

export class ProvisionedDirectory {
  private constructor(
    private readonly users: TypedTable<typeof ProvisionedUserRowSchema>,
    private readonly groups: TypedTable<typeof ProvisionedGroupRowSchema>,
  ) {}

  static async open(store: Store): Promise<ProvisionedDirectory> {
    return new ProvisionedDirectory(
      await store.typed(PROVISIONED_TABLES.users, userArrow, ProvisionedUserRowSchema),
      await store.typed(PROVISIONED_TABLES.groups, groupArrow, ProvisionedGroupRowSchema),
    );
  }

  /** Changes whenever either table is written (cheap enough to poll with the policy). */
  async version(): Promise<string> {
    await Promise.all([this.users.checkoutLatest(), this.groups.checkoutLatest()]);
    return `${await this.users.version()}.${await this.groups.version()}`;
  }

  async state(): Promise<ProvisionedState> {
    const [users, groups] = await Promise.all([this.users.rows(undefined, { latest: true }), this.groups.rows(undefined, { latest: true })]);
    return { users, groups };
  }

  /** Users that are not tombstones. */
  async listUsers(): Promise<ProvisionedUser[]> {
    return this.users.rows(userWhere.notIn('status', ['deleted']), { latest: true });
  }

  async userById(id: string): Promise<ProvisionedUser | null> {
    const [row] = await this.users.rows(userWhere.and(userWhere.eq('id', id), userWhere.notIn('status', ['deleted'])), { latest: true });
    return row ?? null;
  }

  /** Any row for this human, tombstones included (a human is one row: re-provisioning reuses it). */
  async userByHuman(human: string): Promise<ProvisionedUser | null> {
    const [row] = await this.users.rows(userWhere.eq('human', human), { latest: true });
    return row ?? null;
  }

  /**
   * Keyed by the human, in one commit: re-provisioning over a tombstone (a new SCIM id) never leaves
   * a moment with no row, when people.csv alone would admit the person again.
   */
  async putUser(row: ProvisionedUser): Promise<void> {
    await this.users.upsert('human', [row]);
  }

  async listGroups(): Promise<ProvisionedGroup[]> {
    return this.groups.rows(undefined, { latest: true });
  }

  async groupById(id: string): Promise<ProvisionedGroup | null> {
    const [row] = await this.groups.rows(groupWhere.eq('id', id), { latest: true });
    return row ?? null;
  }

  async groupByName(displayName: string): Promise<ProvisionedGroup | null> {
    const [row] = await this.groups.rows(groupWhere.eq('display_name', displayName), { latest: true });
    return row ?? null;
  }

  async putGroup(row: ProvisionedGroup): Promise<void> {
    await this.groups.upsert('id', [row]);
  }

  async deleteGroup(id: string): Promise<void> {
    await this.groups.delete(groupWhere.eq('id', id));
  }
}
