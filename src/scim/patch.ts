import { z } from 'zod';
import { ScimError } from './errors.js';
import { MemberSchema, ScimBoolean, type PatchOp } from './resources.js';

/** The User attributes Clearance keeps, as a PATCH edits them. */
export interface UserDraft {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  active: boolean;
}

export interface GroupDraft {
  displayName: string;
  externalId: string | null;
  members: string[];
}

const text = (value: unknown, path: string): string => {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256)
    throw new ScimError(400, `"${path}" must be a string of 1 to 256 characters`, 'invalidValue');
  return value;
};

const bool = (value: unknown, path: string): boolean => {
  const parsed = ScimBoolean.safeParse(value);
  if (!parsed.success) throw new ScimError(400, `"${path}" must be true or false`, 'invalidValue');
  return parsed.data;
};

/** A path's attribute name, without the core schema URN prefix some clients add. */
const attributeOf = (path: string, urn: string) => (path.startsWith(`${urn}:`) ? path.slice(urn.length + 1) : path);

/**
 * RFC 7644 §3.5.2 on a User: add/replace of `active`, `displayName`, `externalId`, `userName` (with or
 * without a path), remove of the optional ones. Attributes Clearance does not keep are ignored, as on POST.
 */
export function patchUser(draft: UserDraft, ops: readonly PatchOp[], urn: string): UserDraft {
  const next = { ...draft };
  const set = (attribute: string, value: unknown) => {
    if (attribute === 'active') next.active = bool(value, attribute);
    else if (attribute === 'displayName') next.displayName = text(value, attribute);
    else if (attribute === 'externalId') next.externalId = text(value, attribute);
    else if (attribute === 'userName') next.userName = text(value, attribute);
  };
  for (const op of ops) {
    if (op.path === undefined) {
      if (op.op === 'remove') throw new ScimError(400, 'a remove operation needs a "path"', 'noTarget');
      if (op.value === null || typeof op.value !== 'object' || Array.isArray(op.value))
        throw new ScimError(400, 'an operation without "path" needs an object "value"', 'invalidValue');
      for (const [key, value] of Object.entries(op.value)) set(attributeOf(key, urn), value);
      continue;
    }
    const attribute = attributeOf(op.path, urn);
    if (op.op !== 'remove') set(attribute, op.value);
    else if (attribute === 'displayName') next.displayName = null;
    else if (attribute === 'externalId') next.externalId = null;
    else if (attribute === 'active' || attribute === 'userName') throw new ScimError(400, `"${attribute}" cannot be removed; replace it instead`, 'mutability');
  }
  return next;
}

const MembersValue = z.array(MemberSchema);
const MEMBER_FILTER = /^members\[\s*value\s+eq\s+"([^"\\]{1,256})"\s*\]$/i;

function memberIds(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  const parsed = MembersValue.safeParse(list);
  if (!parsed.success) throw new ScimError(400, '"members" must be a list of objects with a "value" (the member User id)', 'invalidValue');
  if (parsed.data.some((m) => m.type === 'Group'))
    throw new ScimError(400, 'a member must be a User: nested groups are set in the policy (people.csv)', 'invalidValue');
  return parsed.data.map((m) => m.value);
}

/**
 * RFC 7644 §3.5.2 on a Group: add/replace/remove `members` (remove by `members[value eq "<id>"]`, by
 * a value list as Entra ID sends it, or all), replace `displayName` and `externalId`.
 */
export function patchGroup(draft: GroupDraft, ops: readonly PatchOp[], urn: string): GroupDraft {
  let members = [...draft.members];
  const next = { ...draft };
  const set = (attribute: string, value: unknown, op: 'add' | 'replace') => {
    if (attribute === 'members') members = op === 'add' ? [...new Set([...members, ...memberIds(value)])] : [...new Set(memberIds(value))];
    else if (attribute === 'displayName') next.displayName = text(value, attribute);
    else if (attribute === 'externalId') next.externalId = text(value, attribute);
    else throw new ScimError(400, `"${attribute}" is not an attribute of a Group that can be changed (members, displayName, externalId)`, 'invalidPath');
  };
  for (const op of ops) {
    if (op.path === undefined) {
      if (op.op === 'remove') throw new ScimError(400, 'a remove operation needs a "path"', 'noTarget');
      if (op.value === null || typeof op.value !== 'object' || Array.isArray(op.value))
        throw new ScimError(400, 'an operation without "path" needs an object "value"', 'invalidValue');
      for (const [key, value] of Object.entries(op.value)) set(attributeOf(key, urn), value, op.op);
      continue;
    }
    const attribute = attributeOf(op.path, urn);
    const filtered = MEMBER_FILTER.exec(attribute);
    if (op.op !== 'remove') {
      if (filtered) throw new ScimError(400, `"${op.path}": add or replace members with path "members" and a value list`, 'invalidPath');
      set(attribute, op.value, op.op);
    } else if (filtered) members = members.filter((m) => m !== filtered[1]);
    else if (attribute === 'members') {
      const gone = op.value === undefined ? null : new Set(memberIds(op.value));
      members = gone === null ? [] : members.filter((m) => !gone.has(m));
    } else if (attribute === 'externalId') next.externalId = null;
    else throw new ScimError(400, `"${op.path}" cannot be removed from a Group`, attribute === 'displayName' ? 'mutability' : 'invalidPath');
  }
  return { ...next, members };
}
