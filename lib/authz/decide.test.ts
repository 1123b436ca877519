// decide() against a plain reference evaluation over random organizations:
// roles with hierarchies, groups, org and project grants, and conditions.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NOW, orgArb, queryArb } from "../../test/authz/org-arbitraries.ts";
import { ipInRanges, parseCidr } from "./cidr.ts";
import { decide, type AuthzResource, type AuthzSubject, type DecisionContext } from "./decide.ts";
import { buildOrgIndex, type OrgRows } from "./org-index.ts";

/** The specification, written as plainly as possible. */
function reference(org: OrgRows, subject: AuthzSubject, permission: string, resource: AuthzResource, ctx: DecisionContext): boolean {
  if (resource.type === "project" && !org.projectIds.includes(resource.id)) return false;
  const roleHas = (roleId: string, seen: string[] = []): boolean => {
    if (seen.includes(roleId)) return false;
    const role = org.roles.find((r) => r.id === roleId)!;
    return role.permissions.includes(permission) || role.includes.some((r) => roleHas(r, [...seen, roleId]));
  };
  if (subject.type === "user") {
    const membership = org.memberships.find((m) => m.userId === subject.id);
    if (!membership) return false;
    if (roleHas(membership.roleId) || org.roles.find((r) => r.id === membership.roleId)!.isOwner) return true;
  } else {
    const key = org.apiKeys!.find((k) => k.id === subject.id)!;
    if (key.revokedAt || (key.expiresAt && ctx.now! >= key.expiresAt.getTime())) return false;
    // A project key acts on its project only, through what it carries and what it is granted.
    if (key.projectId !== null && !(resource.type === "project" && resource.id === key.projectId)) return false;
    if (key.roleId ? roleHas(key.roleId) : key.permissions.includes(permission)) return true;
  }
  const groups = subject.type === "user" ? org.groupMembers.filter((gm) => gm.userId === subject.id).map((gm) => gm.groupId) : [];
  return org.grants.some((g) => {
    const mine = subject.type === "user" ? g.userId === subject.id || (g.groupId !== null && groups.includes(g.groupId)) : g.apiKeyId === subject.id;
    const scoped = g.projectId === null || (resource.type === "project" && g.projectId === resource.id);
    const timely = g.validUntil === null || ctx.now! < g.validUntil.getTime();
    const fromIp = g.ipCidrs.length === 0 || ipInRanges(ctx.ip, g.ipCidrs.map(parseCidr));
    const mfa = !g.requireMfa || ctx.mfa === true;
    return mine && scoped && timely && fromIp && mfa && roleHas(g.roleId);
  });
}

describe("decide", () => {
  it("agrees with the reference evaluation on random organizations", () => {
    fc.assert(
      fc.property(orgArb, fc.array(queryArb, { minLength: 1, maxLength: 20 }), (org, queries) => {
        const index = buildOrgIndex(org);
        for (const q of queries) {
          const decision = decide(index, q.subject, q.permission, q.resource, q.context);
          expect(decision.allowed, JSON.stringify({ q, reason: decision.reason })).toBe(reference(org, q.subject, q.permission, q.resource, q.context));
          if (decision.allowed) expect(decision.reason).toContain(q.permission);
        }
      }),
      { numRuns: 400 },
    );
  });

  const org: OrgRows = {
    orgId: "org",
    version: 1,
    roles: [
      { id: "viewer", name: "Viewer", permissions: ["traces:read"], includes: [], isOwner: false },
      { id: "editor", name: "Editor", permissions: ["traces:write"], includes: ["viewer"], isOwner: false },
    ],
    memberships: [{ userId: "ann", roleId: "viewer" }],
    groupMembers: [{ groupId: "ml", userId: "ann" }],
    groups: [{ id: "ml", name: "ML team" }],
    grants: [
      { id: "g-temp", roleId: "editor", userId: "ann", groupId: null, apiKeyId: null, projectId: "p1", validUntil: new Date(NOW - 1), ipCidrs: [], requireMfa: false },
      { id: "g-group", roleId: "editor", userId: null, groupId: "ml", apiKeyId: null, projectId: "p2", validUntil: null, ipCidrs: ["10.0.0.0/8"], requireMfa: false },
    ],
    projectIds: ["p1", "p2"],
  };
  const index = buildOrgIndex(org);
  const ann = { type: "user" as const, id: "ann" };

  it("names the membership role that allowed", () => {
    expect(decide(index, ann, "traces:read", { type: "organization", id: "org" })).toMatchObject({ allowed: true, reason: 'membership role "Viewer" grants traces:read' });
  });

  it("names the group grant and project that allowed, through the role hierarchy", () => {
    const d = decide(index, ann, "traces:write", { type: "project", id: "p2" }, { ip: "10.1.2.3", now: NOW });
    expect(d).toMatchObject({ allowed: true, grantId: "g-group" });
    expect(d.reason).toBe('grant g-group: role "Editor" via group "ML team" on project p2 grants traces:write');
  });

  it("explains a denial by the condition that failed", () => {
    expect(decide(index, ann, "traces:write", { type: "project", id: "p1" }, { now: NOW }).reason).toMatch(/^grant g-temp .* would allow traces:write, but it expired at /);
    expect(decide(index, ann, "traces:write", { type: "project", id: "p2" }, { ip: "8.8.8.8", now: NOW }).reason).toContain("the request IP 8.8.8.8 is not in its allow list");
  });

  it("does not let a project grant reach the organization or another project", () => {
    expect(decide(index, ann, "traces:write", { type: "organization", id: "org" }, { ip: "10.1.2.3", now: NOW })).toMatchObject({
      allowed: false,
      reason: "no role of user ann grants traces:write",
    });
  });

  it("says which rule decided as a code, beside the sentence", () => {
    const at = (resource: AuthzResource, context: DecisionContext = {}) => decide(index, ann, "traces:write", resource, { now: NOW, ...context }).code;
    expect(decide(index, ann, "traces:read", { type: "organization", id: "org" }).code).toBe("membership_role");
    expect(at({ type: "project", id: "p2" }, { ip: "10.1.2.3" })).toBe("grant");
    expect(at({ type: "project", id: "p1" })).toBe("grant_condition_failed");
    expect(at({ type: "organization", id: "org" })).toBe("no_grant");
    expect(at({ type: "project", id: "elsewhere" })).toBe("unknown_project");
    expect(at({ type: "organization", id: "other-org" })).toBe("other_organization");
    expect(decide(index, { type: "user", id: "bob" }, "traces:read", { type: "organization", id: "org" }).code).toBe("not_a_member");
  });

  it("refuses non-members, unknown projects and other organizations", () => {
    expect(decide(index, { type: "user", id: "bob" }, "traces:read", { type: "organization", id: "org" }).reason).toBe("user bob is not a member of this organization");
    expect(decide(index, ann, "traces:read", { type: "project", id: "elsewhere" }).allowed).toBe(false);
    expect(decide(index, ann, "traces:read", { type: "organization", id: "other-org" }).allowed).toBe(false);
  });
});
