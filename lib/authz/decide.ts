// The decision: may this principal use this permission on this resource, now,
// from here? Pure and synchronous over an OrgIndex; the reason names the
// membership or grant, role and condition that allowed, or why nothing did.
import { ipInRanges } from "./cidr.ts";
import { subjectKey, type IndexedGrant, type IndexedRole, type OrgIndex } from "./org-index.ts";

export type AuthzSubject = { type: "user"; id: string } | { type: "api_key"; id: string };
export type AuthzResource = { type: "organization"; id: string } | { type: "project"; id: string };
export type DecisionContext = {
  ip?: string | null;
  mfa?: boolean;
  /** Milliseconds since the epoch; defaults to now. */
  now?: number;
};
/** Which rule decided, for code that words the outcome itself (the reason is the sentence for logs and the check API). */
export type DecisionCode =
  "membership_role" | "key_permission" | "grant" | "other_organization" | "unknown_project" | "key_not_active" | "key_project_scope" | "not_a_member" | "grant_condition_failed" | "no_grant";
export type Decision = { allowed: boolean; reason: string; code?: DecisionCode; grantId?: string; roleId?: string };

function scopeText(grant: IndexedGrant) {
  return grant.projectId ? `on project ${grant.projectId}` : "on the organization";
}

function viaText(grant: IndexedGrant) {
  if (grant.via.type === "group") return ` via group "${grant.via.name ?? grant.via.id}"`;
  return "";
}

/** Why a grant's conditions fail now, or null when they hold. */
function conditionFailure(grant: IndexedGrant, context: DecisionContext, now: number, plan: string | null): string | null {
  if (grant.validUntilMs !== null && now >= grant.validUntilMs) return `it expired at ${new Date(grant.validUntilMs).toISOString()}`;
  if (grant.ipRanges && !ipInRanges(context.ip, grant.ipRanges)) return `the request IP ${context.ip ?? "(unknown)"} is not in its allow list`;
  if (grant.requireMfa && !context.mfa) return "it requires MFA and this session has not used MFA";
  if (grant.plans && !(plan !== null && grant.plans.has(plan)))
    return `it holds only on the ${planList(grant.plans)} plan and this organization is on ${plan === null ? "no plan" : `the ${plan} plan`}`;
  return null;
}

/** "pro", "pro or scale" */
export function planList(plans: Iterable<string>): string {
  const list = [...plans];
  return list.length <= 1 ? (list[0] ?? "") : `${list.slice(0, -1).join(", ")} or ${list.at(-1)}`;
}

function appliesTo(grant: IndexedGrant, resource: AuthzResource) {
  return grant.projectId === null || (resource.type === "project" && grant.projectId === resource.id);
}

export function decide(index: OrgIndex, subject: AuthzSubject, permission: string, resource: AuthzResource, context: DecisionContext = {}): Decision {
  if (resource.type === "organization" && resource.id !== index.orgId) {
    return { allowed: false, code: "other_organization", reason: `organization ${resource.id} is not this organization` };
  }
  if (resource.type === "project" && !index.projects.has(resource.id)) {
    return { allowed: false, code: "unknown_project", reason: `project ${resource.id} does not exist in this organization` };
  }
  const now = context.now ?? Date.now();
  let blocked: string | null = null;

  if (subject.type === "api_key") {
    const key = index.apiKeysById.get(subject.id);
    if (!key || key.revoked || (key.expiresAtMs !== null && now >= key.expiresAtMs))
      return { allowed: false, code: "key_not_active", reason: `API key ${subject.id} is not active in this organization` };
    // A project key acts only on its project, whatever it carries or is granted.
    if (key.projectId !== null && !(resource.type === "project" && resource.id === key.projectId)) {
      const where = resource.type === "project" ? `project ${resource.id}` : "the whole organization";
      return { allowed: false, code: "key_project_scope", reason: `API key ${subject.id} is limited to project ${key.projectId}, so it cannot use ${permission} on ${where}` };
    }
    if (key.permissions.has(permission)) return { allowed: true, code: "key_permission", reason: `API key ${subject.id} carries ${permission}` };
  }
  if (subject.type === "user") {
    const role: IndexedRole | undefined = index.memberRole.get(subject.id);
    if (!role) return { allowed: false, code: "not_a_member", reason: `user ${subject.id} is not a member of this organization` };
    if (role.permissions.has(permission) || role.isOwner) {
      return {
        allowed: true,
        code: "membership_role",
        reason: `membership role "${role.name}" grants ${permission}${role.isOwner && !role.permissions.has(permission) ? " (owners hold every permission)" : ""}`,
        roleId: role.id,
      };
    }
  }

  const candidates: Array<readonly IndexedGrant[] | undefined> = [index.grantsBySubject.get(subjectKey(subject.type, subject.id))];
  if (subject.type === "user") for (const groupId of index.userGroups.get(subject.id) ?? []) candidates.push(index.grantsBySubject.get(subjectKey("group", groupId)));

  for (const list of candidates) {
    if (!list) continue;
    for (const grant of list) {
      if (!grant.role.permissions.has(permission) || !appliesTo(grant, resource)) continue;
      const failure = conditionFailure(grant, context, now, index.plan);
      if (failure) {
        blocked ??= `grant ${grant.id} (role "${grant.role.name}"${viaText(grant)} ${scopeText(grant)}) would allow ${permission}, but ${failure}`;
        continue;
      }
      return {
        allowed: true,
        code: "grant",
        reason: `grant ${grant.id}: role "${grant.role.name}"${viaText(grant)} ${scopeText(grant)} grants ${permission}`,
        grantId: grant.id,
        roleId: grant.role.id,
      };
    }
  }

  if (blocked) return { allowed: false, code: "grant_condition_failed", reason: blocked };
  const who = subject.type === "user" ? `user ${subject.id}` : `API key ${subject.id}`;
  const where = resource.type === "project" ? ` on project ${resource.id}` : "";
  return { allowed: false, code: "no_grant", reason: `no role of ${who} grants ${permission}${where}` };
}
