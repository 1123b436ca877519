// Small authorization changes (a grant, a group member, a membership) applied
// to an organization's index, so that a write does not make every process
// reload the whole organization. Each change says exactly what its
// transaction changed; applying it yields what a reload at the new version
// would. The changes travel in the NOTIFY payload, so they are plain JSON.
import { LayeredMap } from "./layered-map.ts";
import { indexGrant, subjectKey, type GrantRow, type OrgIndex } from "./org-index.ts";

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
  const { id, roleId, userId, groupId, apiKeyId, projectId, validUntil, ipCidrs, requireMfa, plans } = grant;
  return { id, roleId, userId, groupId, apiKeyId, projectId, validUntil: validUntil?.toISOString() ?? null, ipCidrs, requireMfa, plans: plans ?? [], groupName };
}

/**
 * The index at `version` after `changes`. `index` stays as it was (requests
 * in flight hold it); the new one shares all it leaves alone, and its changed
 * maps share their unchanged entries (./layered-map.ts). null when a change
 * does not fit (a role the index has not seen): the caller reloads instead.
 */
export function applyAuthzChanges(index: OrgIndex, changes: readonly AuthzChange[], version: number): OrgIndex | null {
  const roleIds = changes.flatMap((c) => (c.type === "grant_added" ? [c.grant.roleId] : c.type === "member_set" ? [c.roleId] : []));
  if (!roleIds.every((id) => index.roles.has(id))) return null;
  let grantsBySubject = LayeredMap.over(index.grantsBySubject);
  let userGroups = LayeredMap.over(index.userGroups);
  let memberRole = LayeredMap.over(index.memberRole);
  let userByEmail = LayeredMap.over(index.userByEmail);
  for (const change of changes) {
    switch (change.type) {
      case "grant_added": {
        const { groupName, validUntil, ...row } = change.grant;
        const grant = indexGrant({ ...row, validUntil: validUntil ? new Date(validUntil) : null }, index.roles.get(row.roleId)!, groupName ?? undefined);
        const key = subjectKey(grant.via.type, grant.via.id);
        // In a reload's order: by id.
        const list = [...(grantsBySubject.get(key) ?? [])];
        const at = list.findIndex((g) => g.id > grant.id);
        list.splice(at === -1 ? list.length : at, 0, grant);
        grantsBySubject = grantsBySubject.with(key, list);
        break;
      }
      case "grant_removed": {
        const key = subjectKey(change.subject.type, change.subject.id);
        const list = (grantsBySubject.get(key) ?? []).filter((g) => g.id !== change.grantId);
        grantsBySubject = list.length ? grantsBySubject.with(key, list) : grantsBySubject.without(key);
        break;
      }
      case "group_member_added": {
        const groups = userGroups.get(change.userId) ?? [];
        if (!groups.includes(change.groupId)) userGroups = userGroups.with(change.userId, [...groups, change.groupId]);
        break;
      }
      case "group_member_removed": {
        const groups = (userGroups.get(change.userId) ?? []).filter((id) => id !== change.groupId);
        userGroups = groups.length ? userGroups.with(change.userId, groups) : userGroups.without(change.userId);
        break;
      }
      case "member_set":
        memberRole = memberRole.with(change.userId, index.roles.get(change.roleId)!);
        if (change.email) userByEmail = userByEmail.with(change.email.toLowerCase(), change.userId);
        break;
      case "member_removed": {
        memberRole = memberRole.without(change.userId);
        const email = change.email.toLowerCase();
        if (userByEmail.get(email) === change.userId) userByEmail = userByEmail.without(email);
        userGroups = userGroups.without(change.userId);
        grantsBySubject = grantsBySubject.without(subjectKey("user", change.userId));
        break;
      }
    }
  }
  return { ...index, version, grantsBySubject, userGroups, memberRole, userByEmail };
}
