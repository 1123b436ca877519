import { authzTransaction } from "../../lib/authz/org-index-cache.ts";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { db } from "../../lib/db.ts";
import { Conflict, Forbidden, NotFound } from "../../lib/errors.ts";
import { changeMemberRole } from "../../lib/members/members.ts";
import { auditActions, builtInRole, createTestOrg } from "../helpers.ts";

const roleIdOf = async (membershipId: string) => (await db.membership.findUniqueOrThrow({ where: { id: membershipId } })).roleId;

describe("changeMemberRole", () => {
  it("changes a member's role and records member.role_changed with the old and new role", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const member = await addMember("member");
    const admin = await builtInRole("admin");

    const result = await changeMemberRole(owner, { membershipId: member.membership.id, roleId: admin.id });

    expect(result).toEqual({ id: member.membership.id, userId: member.principal.userId, roleId: admin.id });
    expect(await roleIdOf(member.membership.id)).toBe(admin.id);
    expect(await auditActions(org.id)).toHaveLength(2);
    const event = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "member.role_changed" } });
    expect(event).toMatchObject({
      actorId: owner.principal.userId,
      actorEmail: owner.principal.email,
      targetType: "user",
      targetId: member.principal.userId,
      before: { email: member.principal.email, role: "Member" },
      after: { email: member.principal.email, role: "Admin" },
    });
  });

  it("does nothing and records nothing when the role is unchanged", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const member = await addMember("member");
    const result = await changeMemberRole(owner, { membershipId: member.membership.id, roleId: member.membership.roleId });
    expect(result).toEqual({ id: member.membership.id, userId: member.principal.userId, roleId: member.membership.roleId });
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("lets an owner make another member owner, after which the first owner can be demoted", async () => {
    const { owner, addMember } = await createTestOrg();
    const member = await addMember("member");
    await changeMemberRole(owner, { membershipId: member.membership.id, roleId: (await builtInRole("owner")).id });
    const viewer = await builtInRole("viewer");
    await changeMemberRole(owner, { membershipId: owner.membership.id, roleId: viewer.id });
    expect(await roleIdOf(owner.membership.id)).toBe(viewer.id);
  });

  it("lets an admin move a member between non-owner roles", async () => {
    const { addMember } = await createTestOrg();
    const admin = await addMember("admin");
    const member = await addMember("member");
    const viewer = await builtInRole("viewer");
    await changeMemberRole(admin, { membershipId: member.membership.id, roleId: viewer.id });
    expect(await roleIdOf(member.membership.id)).toBe(viewer.id);
  });

  it.each(["member", "viewer"] as const)("rejects a %s with Forbidden, changes nothing and writes no audit event", async (role) => {
    const { org, addMember } = await createTestOrg();
    const caller = await addMember(role);
    const target = await addMember("viewer");
    const error = await changeMemberRole(caller, { membershipId: target.membership.id, roleId: (await builtInRole("admin")).id }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "forbidden" });
    expect(await roleIdOf(target.membership.id)).toBe(target.membership.roleId);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("rejects an admin making someone owner with Forbidden privilege_escalation", async () => {
    const { org, addMember } = await createTestOrg();
    const admin = await addMember("admin");
    const member = await addMember("member");
    const error = await changeMemberRole(admin, { membershipId: member.membership.id, roleId: (await builtInRole("owner")).id }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "privilege_escalation" });
    expect(await roleIdOf(member.membership.id)).toBe(member.membership.roleId);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("rejects an admin making themself owner with Forbidden privilege_escalation", async () => {
    const { addMember } = await createTestOrg();
    const admin = await addMember("admin");
    const error = await changeMemberRole(admin, { membershipId: admin.membership.id, roleId: (await builtInRole("owner")).id }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "privilege_escalation" });
    expect(await roleIdOf(admin.membership.id)).toBe(admin.membership.roleId);
  });

  it("rejects an admin demoting an owner with Forbidden privilege_escalation", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const admin = await addMember("admin");
    await addMember("owner"); // a second owner, so last_owner is not what stops it
    const error = await changeMemberRole(admin, { membershipId: owner.membership.id, roleId: (await builtInRole("viewer")).id }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "privilege_escalation" });
    expect(await roleIdOf(owner.membership.id)).toBe(owner.membership.roleId);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("refuses to demote the last owner with Conflict last_owner", async () => {
    const { org, owner } = await createTestOrg();
    const error = await changeMemberRole(owner, { membershipId: owner.membership.id, roleId: (await builtInRole("admin")).id }).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "last_owner" });
    expect(await roleIdOf(owner.membership.id)).toBe(owner.membership.roleId);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("lets exactly one of two owners demote the other when both try at once", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const second = await addMember("owner");
    const viewer = await builtInRole("viewer");
    const results = await Promise.allSettled([
      changeMemberRole(owner, { membershipId: second.membership.id, roleId: viewer.id }),
      changeMemberRole(second, { membershipId: owner.membership.id, roleId: viewer.id }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(Conflict);
    expect(rejected.reason).toMatchObject({ code: "last_owner" });
    expect(await db.membership.count({ where: { orgId: org.id, role: { isOwner: true } } })).toBe(1);
  });

  it("answers an unknown membership id with NotFound member_not_found", async () => {
    const { owner } = await createTestOrg();
    const error = await changeMemberRole(owner, { membershipId: randomUUID(), roleId: (await builtInRole("viewer")).id }).catch((e) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: "member_not_found" });
  });

  it("answers an unknown role id with NotFound role_not_found", async () => {
    const { owner, addMember } = await createTestOrg();
    const member = await addMember("member");
    const error = await changeMemberRole(owner, { membershipId: member.membership.id, roleId: randomUUID() }).catch((e) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: "role_not_found" });
  });

  it("assigns a custom role of the same organization", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const member = await addMember("member");
    // Written as createRole does: in an authorization transaction, so indexes see it.
    const custom = await authzTransaction(org.id, (tx) => tx.role.create({ data: { orgId: org.id, key: "auditor", name: "Auditor", permissions: ["organization:read", "audit:read"] } }));
    await changeMemberRole(owner, { membershipId: member.membership.id, roleId: custom.id });
    expect(await roleIdOf(member.membership.id)).toBe(custom.id);
  });

  it("rejects ids that are not UUIDs with a ZodError", async () => {
    const { owner } = await createTestOrg();
    await expect(changeMemberRole(owner, { membershipId: "1", roleId: "owner" })).rejects.toBeInstanceOf(ZodError);
    await expect(changeMemberRole(owner, {})).rejects.toBeInstanceOf(ZodError);
  });
});
