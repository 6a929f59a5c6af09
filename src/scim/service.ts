import { randomUUID } from 'node:crypto';
import type { ScimConfig } from '../config/scim.js';
import { normaliseHuman } from '../identity/claims.js';
import { parseSubject } from '../identity/subject.js';
import { IdSchema } from '../labels/ids.js';
import type { ProvisionedDirectory, ProvisionedGroup, ProvisionedUser } from '../policy/provisioned.js';
import { ScimError } from './errors.js';
import { parseEqFilter } from './filter.js';
import { patchGroup, patchUser, type GroupDraft, type UserDraft } from './patch.js';
import { SCHEMA, type GroupInput, type PatchOp, type UserInput } from './resources.js';

export interface ScimServiceDeps {
  directory: ProvisionedDirectory;
  config: ScimConfig;
  /** Writes the audit record of one change (durably) before the answer leaves. */
  record(action: string, target: string, detail: Record<string, unknown>): Promise<void>;
  /** Re-reads the directory into the policy in force, so this process's next call sees the change. */
  applied(): Promise<void>;
}

const notFound = (kind: string, id: string) => new ScimError(404, `${kind} ${JSON.stringify(id.slice(0, 100))} not found`);
const now = () => new Date().toISOString();

/** The SCIM operations on the provisioned directory: validation, uniqueness, audit. */
export class ScimService {
  constructor(private readonly deps: ScimServiceDeps) {}

  /** The policy human a User names: the configured attribute, normalised, and a policy id. */
  private humanOf(draft: UserDraft): string {
    const from = this.deps.config.humanFrom;
    const raw = from === 'userName' ? draft.userName : draft.externalId;
    if (raw === null) throw new ScimError(400, `"externalId" is required: scim.humanFrom is externalId`, 'invalidValue');
    const subject = parseSubject(raw);
    if (subject === null) throw new ScimError(400, `"${from}" contains a control character or is too long`, 'invalidValue');
    const human = normaliseHuman(subject, this.deps.config.human);
    if (!IdSchema.safeParse(human).success)
      throw new ScimError(
        400,
        `"${from}" ${JSON.stringify(raw.slice(0, 100))} becomes ${JSON.stringify(human.slice(0, 100))}, not a policy id (lower-case letters, digits, "_", "." or "-", max 64); set scim.human.stripDomains or scim.human.map`,
        'invalidValue',
      );
    return human;
  }

  private async changed(action: string, target: string, detail: Record<string, unknown>): Promise<void> {
    await this.deps.record(action, target, detail);
    await this.deps.applied();
  }

  async users(filter: string | undefined): Promise<ProvisionedUser[]> {
    const eq = parseEqFilter(filter, ['userName', 'externalId']);
    const users = await this.deps.directory.listUsers();
    if (!eq) return users;
    // userName is case-insensitive (RFC 7643 §4.1.1); externalId is case-exact.
    return users.filter((u) => (eq.attribute === 'userName' ? u.user_name.toLowerCase() === eq.value.toLowerCase() : u.external_id === eq.value));
  }

  async user(id: string): Promise<ProvisionedUser> {
    const row = await this.deps.directory.userById(id);
    if (!row) throw notFound('User', id);
    return row;
  }

  async createUser(input: UserInput): Promise<ProvisionedUser> {
    const draft = { userName: input.userName, externalId: input.externalId ?? null, displayName: input.displayName ?? null, active: input.active };
    const human = this.humanOf(draft);
    if ((await this.deps.directory.listUsers()).some((u) => u.user_name.toLowerCase() === draft.userName.toLowerCase()))
      throw new ScimError(409, `userName "${draft.userName}" is already provisioned`, 'uniqueness');
    const existing = await this.deps.directory.userByHuman(human);
    if (existing && existing.status !== 'deleted')
      throw new ScimError(409, `userName "${draft.userName}" maps to human "${human}", already provisioned as User ${existing.id}`, 'uniqueness');
    const at = now();
    const row = this.userRow(randomUUID(), human, draft, at, at);
    await this.deps.directory.putUser(row);
    await this.changed('scim.user.created', `user:${human}`, { scim_id: row.id, user_name: row.user_name, active: draft.active });
    return row;
  }

  async replaceUser(id: string, input: UserInput): Promise<ProvisionedUser> {
    const draft = { userName: input.userName, externalId: input.externalId ?? null, displayName: input.displayName ?? null, active: input.active };
    return this.updateUser(await this.user(id), draft, 'scim.user.replaced');
  }

  async patchUser(id: string, ops: readonly PatchOp[]): Promise<ProvisionedUser> {
    const old = await this.user(id);
    const draft = { userName: old.user_name, externalId: old.external_id, displayName: old.display_name, active: old.status === 'active' };
    return this.updateUser(old, patchUser(draft, ops, SCHEMA.user), 'scim.user.patched');
  }

  private async updateUser(old: ProvisionedUser, draft: UserDraft, action: string): Promise<ProvisionedUser> {
    const human = this.humanOf(draft);
    // The human is what the policy, tasks and audit records name: it never changes under a User.
    if (human !== old.human)
      throw new ScimError(
        400,
        `"${this.deps.config.humanFrom}" would change the human from "${old.human}" to "${human}"; delete the User and create a new one`,
        'mutability',
      );
    const row = this.userRow(old.id, human, draft, old.created_at, now());
    await this.deps.directory.putUser(row);
    await this.changed(action, `user:${human}`, { scim_id: row.id, user_name: row.user_name, active: draft.active, was_active: old.status === 'active' });
    return row;
  }

  /** Deprovisioned for good: the row stays as a tombstone (people.csv does not re-admit the person), out of every group. */
  async deleteUser(id: string): Promise<void> {
    const old = await this.user(id);
    await this.deps.directory.putUser({ ...old, status: 'deleted', updated_at: now() });
    for (const group of await this.deps.directory.listGroups()) {
      if (group.members.includes(id)) await this.deps.directory.putGroup({ ...group, members: group.members.filter((m) => m !== id), updated_at: now() });
    }
    await this.changed('scim.user.deleted', `user:${old.human}`, { scim_id: id, user_name: old.user_name });
  }

  private userRow(id: string, human: string, draft: UserDraft, created: string, updated: string): ProvisionedUser {
    return {
      id,
      user_name: draft.userName,
      human,
      external_id: draft.externalId,
      display_name: draft.displayName,
      status: draft.active ? 'active' : 'inactive',
      created_at: created,
      updated_at: updated,
    };
  }

  async groups(filter: string | undefined): Promise<ProvisionedGroup[]> {
    const eq = parseEqFilter(filter, ['displayName', 'externalId']);
    const groups = await this.deps.directory.listGroups();
    if (!eq) return groups;
    return groups.filter((g) => (eq.attribute === 'displayName' ? g.display_name === eq.value : g.external_id === eq.value));
  }

  async group(id: string): Promise<ProvisionedGroup> {
    const row = await this.deps.directory.groupById(id);
    if (!row) throw notFound('Group', id);
    return row;
  }

  async createGroup(input: GroupInput): Promise<ProvisionedGroup> {
    const draft = { displayName: input.displayName, externalId: input.externalId ?? null, members: input.members.map((m) => m.value) };
    const at = now();
    const row = await this.checkedGroup(randomUUID(), draft, at, at);
    await this.deps.directory.putGroup(row);
    await this.changed('scim.group.created', `group:${row.display_name}`, { scim_id: row.id, members: row.members });
    return row;
  }

  async replaceGroup(id: string, input: GroupInput): Promise<ProvisionedGroup> {
    const draft = { displayName: input.displayName, externalId: input.externalId ?? null, members: input.members.map((m) => m.value) };
    return this.updateGroup(await this.group(id), draft, 'scim.group.replaced');
  }

  async patchGroup(id: string, ops: readonly PatchOp[]): Promise<ProvisionedGroup> {
    const old = await this.group(id);
    return this.updateGroup(
      old,
      patchGroup({ displayName: old.display_name, externalId: old.external_id, members: old.members }, ops, SCHEMA.group),
      'scim.group.patched',
    );
  }

  private async updateGroup(old: ProvisionedGroup, draft: GroupDraft, action: string): Promise<ProvisionedGroup> {
    const row = await this.checkedGroup(old.id, draft, old.created_at, now());
    await this.deps.directory.putGroup(row);
    const added = row.members.filter((m) => !old.members.includes(m));
    const removed = old.members.filter((m) => !row.members.includes(m));
    await this.changed(action, `group:${row.display_name}`, {
      scim_id: row.id,
      added,
      removed,
      ...(old.display_name !== row.display_name ? { renamed_from: old.display_name } : {}),
    });
    return row;
  }

  async deleteGroup(id: string): Promise<void> {
    const old = await this.group(id);
    await this.deps.directory.deleteGroup(id);
    await this.changed('scim.group.deleted', `group:${old.display_name}`, { scim_id: id, members: old.members });
  }

  /** displayName is the policy group id; members must be provisioned Users. */
  private async checkedGroup(id: string, draft: GroupDraft, created: string, updated: string): Promise<ProvisionedGroup> {
    if (!IdSchema.safeParse(draft.displayName).success)
      throw new ScimError(
        400,
        `"displayName" ${JSON.stringify(draft.displayName.slice(0, 100))} must be a policy group id: lower-case letters, digits, "_", "." or "-" (max 64)`,
        'invalidValue',
      );
    const same = await this.deps.directory.groupByName(draft.displayName);
    if (same && same.id !== id) throw new ScimError(409, `Group "${draft.displayName}" already exists as ${same.id}`, 'uniqueness');
    const members = [...new Set(draft.members)];
    for (const member of members) {
      if (!(await this.deps.directory.userById(member)))
        throw new ScimError(400, `member ${JSON.stringify(member.slice(0, 100))} is not a provisioned User id; create the User first`, 'invalidValue');
    }
    return { id, display_name: draft.displayName, external_id: draft.externalId, members, created_at: created, updated_at: updated };
  }
}
