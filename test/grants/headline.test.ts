import { describe, expect, it } from "vitest";
import { authorize } from "../../lib/authz/authorize.ts";
import { authzTransaction } from "../../lib/authz/org-index-cache.ts";
import type { MemberCtx } from "../../lib/context.ts";
import { db } from "../../lib/db.ts";
import { createGrant, deleteGrant, listGrants } from "../../lib/grants/grants.ts";
import { addGroupMember, createGroup } from "../../lib/groups/groups.ts";
import { createProject } from "../../lib/projects/projects.ts";
import { createRole } from "../../lib/roles/roles.ts";
import { createTestOrg } from "../helpers.ts";
import { declareExact, declarePermission, fresh } from "./fixtures.ts";

/** What a member of `group`, granted `roleName` on `p1` only, may do: the assertions shared by the scenarios below. */
async function expectProjectOnlyAccess(member: MemberCtx, permission: string, grantId: string, roleName: string, groupName: string, p1: string, p2: string) {
  const ctx = await fresh(member);
  const uid = ctx.principal.userId;
  expect(authorize(ctx, permission, { type: "project", id: p1 })).toEqual({
    allowed: true,
    code: "grant",
    reason: `grant ${grantId}: role "${roleName}" via group "${groupName}" on project ${p1} grants ${permission}`,
    grantId,
    roleId: expect.any(String),
  });
  expect(authorize(ctx, permission, { type: "project", id: p2 })).toEqual({ allowed: false, code: "no_grant", reason: `no role of user ${uid} grants ${permission} on project ${p2}` });
  expect(authorize(ctx, permission)).toEqual({ allowed: false, code: "no_grant", reason: `no role of user ${uid} grants ${permission}` });
}

describe("a role given to a group on one project", () => {
  it("lets the group's member use traces:read on P1 only, and deleting the grant ends it (headline scenario)", async () => {
    const { owner, addMember } = await createTestOrg();
    const permission = await declareExact("traces:read");
    // Regression test for a bug found in review (see the commit that fixed it).
    const role = await createRole(owner, { name: "Trace reader", permissions: [permission] });
    const group = await createGroup(owner, { name: "Tracing" });
    const member = await addMember("member");
    await addGroupMember(owner, { groupId: group.id, userId: member.principal.userId });
    const p1 = await createProject(owner, { name: "P1", slug: "p1" });
    const p2 = await createProject(owner, { name: "P2", slug: "p2" });
    const grant = await createGrant(await fresh(owner), { roleId: role.id, subject: { type: "group", id: group.id }, projectId: p1.id });

    await expectProjectOnlyAccess(member, permission, grant.id, "Trace reader", "Tracing", p1.id, p2.id);

    await deleteGrant(await fresh(owner), { grantId: grant.id });
    expect(authorize(await fresh(member), permission, { type: "project", id: p1.id })).toEqual({
      allowed: false,
      code: "no_grant",
      reason: `no role of user ${member.principal.userId} grants ${permission} on project ${p1.id}`,
    });
  });

  it("decides the same way over a product permission when role and grant rows exist (written directly)", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const permission = await declarePermission("traces", "read");
    const group = await createGroup(owner, { name: "Tracing" });
    const member = await addMember("member");
    await addGroupMember(owner, { groupId: group.id, userId: member.principal.userId });
    const p1 = await createProject(owner, { name: "P1", slug: "p1" });
    const p2 = await createProject(owner, { name: "P2", slug: "p2" });
    const grant = await authzTransaction(org.id, async (tx) => {
      const role = await tx.role.create({ data: { orgId: org.id, key: "trace-reader", name: "Trace reader", permissions: [permission] } });
      return tx.grant.create({ data: { orgId: org.id, roleId: role.id, groupId: group.id, projectId: p1.id } });
    });

    await expectProjectOnlyAccess(member, permission, grant.id, "Trace reader", "Tracing", p1.id, p2.id);

    await authzTransaction(org.id, (tx) => tx.grant.delete({ where: { id: grant.id } }));
    expect(authorize(await fresh(member), permission, { type: "project", id: p1.id }).allowed).toBe(false);
  });

  it("runs the whole flow through the domain functions with a Tollgate permission", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Decision reader", permissions: ["decisions:read"] });
    const group = await createGroup(owner, { name: "SRE" });
    const member = await addMember("member");
    await addGroupMember(owner, { groupId: group.id, userId: member.principal.userId });
    const p1 = await createProject(owner, { name: "P1", slug: "p1" });
    const p2 = await createProject(owner, { name: "P2", slug: "p2" });
    const grant = await createGrant(await fresh(owner), { roleId: role.id, subject: { type: "group", id: group.id }, projectId: p1.id });
    expect(grant).toMatchObject({
      roleId: role.id,
      groupId: group.id,
      userId: null,
      projectId: p1.id,
      validUntil: null,
      ipCidrs: [],
      requireMfa: false,
      role: { name: "Decision reader" },
      group: { name: "SRE" },
    });

    await expectProjectOnlyAccess(member, "decisions:read", grant.id, "Decision reader", "SRE", p1.id, p2.id);
    expect(authorize(await fresh(member), "decisions:read", { type: "project", id: p1.id }).roleId).toBe(role.id);
    expect((await listGrants(member, { subjectType: "group", subjectId: group.id })).map((g) => g.id)).toEqual([grant.id]);
    expect(await listGrants(member, { projectId: p2.id })).toEqual([]);

    await deleteGrant(await fresh(owner), { grantId: grant.id });
    expect(await db.grant.count({ where: { orgId: org.id } })).toBe(0);
    expect(authorize(await fresh(member), "decisions:read", { type: "project", id: p1.id })).toEqual({
      allowed: false,
      code: "no_grant",
      reason: `no role of user ${member.principal.userId} grants decisions:read on project ${p1.id}`,
    });
  });

  it("an organization-wide grant to a user reaches every project and the organization itself", async () => {
    const { owner, addMember } = await createTestOrg();
    const role = await createRole(owner, { name: "Auditor", permissions: ["audit:read"] });
    const member = await addMember("member");
    const p1 = await createProject(owner, { name: "P1", slug: "p1" });
    const grant = await createGrant(await fresh(owner), { roleId: role.id, subject: { type: "user", id: member.principal.userId } });
    const ctx = await fresh(member);
    expect(authorize(ctx, "audit:read")).toMatchObject({ allowed: true, reason: `grant ${grant.id}: role "Auditor" on the organization grants audit:read` });
    expect(authorize(ctx, "audit:read", { type: "project", id: p1.id })).toMatchObject({ allowed: true, grantId: grant.id });
  });
});
