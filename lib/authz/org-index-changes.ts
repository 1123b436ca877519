// Small authorization changes (a grant, a group member, a membership) applied
// to an organization's index, so that a write does not make every process
// reload the whole organization. Each change says exactly what its
// transaction changed; applying it yields what a reload at the new version
// would. The changes travel in the NOTIFY payload, so they are plain JSON.
import { indexGrant, subjectKey, type GrantRow, type IndexedGrant, type IndexedRole, type OrgIndex } from "./org-index.ts";

/** A grant row as a change carries it: dates as ISO strings; the group's name for a group's grant. */
export type GrantChangeRow = Omit<GrantRow, "validUntil"> & { validUntil: string | null; groupName: string | null };

export type AuthzChange =
  | { type: "grant_added"; grant: GrantChangeRow }
  | { type: "grant_removed"; grantId: string; subject: { type: "user" | "group" | "api_key"; id: string } }
  | { type: "group_member_added"; groupId: string; userId: string }
  | { type: "group_member_removed"; groupId: string; userId: string }
  /** A member joined with a role, or their role changed. */
  | { type: "member_set"; userId: string; roleId: string; email: string }
  /** A member left: their group memberships and direct grants went with them. */
  | { type: "member_removed"; userId: string; email: string };

export function grantChangeRow(grant: GrantRow, groupName: string | null = null): GrantChangeRow {
  const { id, roleId, userId, groupId, apiKeyId, projectId, validUntil, ipCidrs, requireMfa } = grant;
  return { id, roleId, userId, groupId, apiKeyId, projectId, validUntil: validUntil?.toISOString() ?? null, ipCidrs, requireMfa, groupName };
}

/** Thrown when a change does not fit the index (e.g. a role it has not seen): the organization is then reloaded. */
class DoesNotApply extends Error {}

/**
 * The index at `version` after `changes`, sharing every map they leave
 * untouched with `index` (which stays as it was: requests in flight hold it).
 * null when a change does not fit; the caller reloads instead.
 */
export function applyAuthzChanges(index: OrgIndex, changes: readonly AuthzChange[], version: number): OrgIndex | null {
  const next: OrgIndex = { ...index, version };
  const copied = new Set<string>();
  // Each map is copied once, on its first change.
  const own = <K extends "memberRole" | "userByEmail" | "userGroups" | "grantsBySubject">(name: K): OrgIndex[K] => {
    if (!copied.has(name)) {
      copied.add(name);
      (next as Record<K, unknown>)[name] = new Map(index[name] as Map<string, unknown>);
    }
    return next[name];
  };
  const roleOf = (roleId: string): IndexedRole => {
    const role = next.roles.get(roleId);
    if (!role) throw new DoesNotApply();
    return role;
  };
  try {
    for (const change of changes) {
      switch (change.type) {
        case "grant_added": {
          const { groupName, validUntil, ...row } = change.grant;
          const grant = indexGrant({ ...row, validUntil: validUntil ? new Date(validUntil) : null }, roleOf(row.roleId), groupName ?? undefined);
          const key = subjectKey(grant.via.type, grant.via.id);
          const list = [...(own("grantsBySubject").get(key) ?? [])];
          // As a reload orders them: by id.
          const at = list.findIndex((g) => g.id > grant.id);
          list.splice(at === -1 ? list.length : at, 0, grant);
          own("grantsBySubject").set(key, list);
          break;
        }
        case "grant_removed": {
          const key = subjectKey(change.subject.type, change.subject.id);
          const list = (own("grantsBySubject").get(key) ?? []).filter((g: IndexedGrant) => g.id !== change.grantId);
          if (list.length) own("grantsBySubject").set(key, list);
          else own("grantsBySubject").delete(key);
          break;
        }
        case "group_member_added": {
          const groups = own("userGroups").get(change.userId) ?? [];
          if (!groups.includes(change.groupId)) own("userGroups").set(change.userId, [...groups, change.groupId]);
          break;
        }
        case "group_member_removed": {
          const groups = (own("userGroups").get(change.userId) ?? []).filter((id) => id !== change.groupId);
          if (groups.length) own("userGroups").set(change.userId, groups);
          else own("userGroups").delete(change.userId);
          break;
        }
        case "member_set":
          own("memberRole").set(change.userId, roleOf(change.roleId));
          if (change.email) own("userByEmail").set(change.email.toLowerCase(), change.userId);
          break;
        case "member_removed": {
          own("memberRole").delete(change.userId);
          const email = change.email.toLowerCase();
          if (own("userByEmail").get(email) === change.userId) own("userByEmail").delete(email);
          own("userGroups").delete(change.userId);
          own("grantsBySubject").delete(subjectKey("user", change.userId));
          break;
        }
      }
    }
  } catch (error) {
    if (error instanceof DoesNotApply) return null;
    throw error;
  }
  return next;
}
