import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { db } from "../../lib/db.ts";
import { Conflict, Forbidden, NotFound } from "../../lib/errors.ts";
import { leaveOrganization, removeMember } from "../../lib/members/members.ts";
import { auditActions, createTestOrg } from "../helpers.ts";

const exists = async (membershipId: string) => (await db.membership.findUnique({ where: { id: membershipId } })) !== null;

describe("removeMember", () => {
  it("removes a member and records member.removed naming who was removed", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const member = await addMember("member");

    await removeMember(owner, { membershipId: member.membership.id });

    expect(await exists(member.membership.id)).toBe(false);
    expect(await auditActions(org.id)).toHaveLength(2);
    const event = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "member.removed" } });
    expect(event).toMatchObject({
      actorId: owner.principal.userId,
      targetType: "user",
      targetId: member.principal.userId,
      before: { email: member.principal.email, role: "Member" },
    });
  });

  it("lets an admin remove another admin", async () => {
    const { addMember } = await createTestOrg();
    const admin = await addMember("admin");
    const other = await addMember("admin");
    await removeMember(admin, { membershipId: other.membership.id });
    expect(await exists(other.membership.id)).toBe(false);
  });

  it("lets an owner remove another owner when one remains", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const second = await addMember("owner");
    await removeMember(owner, { membershipId: second.membership.id });
    expect(await db.membership.count({ where: { orgId: org.id, role: { isOwner: true } } })).toBe(1);
  });

  it.each(["member", "viewer"] as const)("rejects a %s removing someone else with Forbidden, and writes no audit event", async (role) => {
    const { org, addMember } = await createTestOrg();
    const caller = await addMember(role);
    const target = await addMember("viewer");
    const error = await removeMember(caller, { membershipId: target.membership.id }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "forbidden" });
    expect(await exists(target.membership.id)).toBe(true);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("rejects an admin removing an owner with Forbidden privilege_escalation", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const admin = await addMember("admin");
    await addMember("owner"); // not the last owner, so only escalation can stop it
    const error = await removeMember(admin, { membershipId: owner.membership.id }).catch((e) => e);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error).toMatchObject({ code: "privilege_escalation" });
    expect(await exists(owner.membership.id)).toBe(true);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("refuses to remove the last owner with Conflict last_owner", async () => {
    const { org, owner } = await createTestOrg();
    const error = await removeMember(owner, { membershipId: owner.membership.id }).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "last_owner" });
    expect(await exists(owner.membership.id)).toBe(true);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("lets exactly one of two owners remove the other when both try at once", async () => {
    const { org, owner, addMember } = await createTestOrg();
    const second = await addMember("owner");
    const results = await Promise.allSettled([removeMember(owner, { membershipId: second.membership.id }), removeMember(second, { membershipId: owner.membership.id })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(Conflict);
    expect(rejected.reason).toMatchObject({ code: "last_owner" });
    expect(await db.membership.count({ where: { orgId: org.id, role: { isOwner: true } } })).toBe(1);
  });

  it("answers an unknown membership id with NotFound member_not_found", async () => {
    const { owner } = await createTestOrg();
    const error = await removeMember(owner, { membershipId: randomUUID() }).catch((e) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: "member_not_found" });
  });

  it("rejects a membership id that is not a UUID with a ZodError", async () => {
    const { owner } = await createTestOrg();
    await expect(removeMember(owner, { membershipId: "abc" })).rejects.toBeInstanceOf(ZodError);
  });
});

describe("leaveOrganization", () => {
  it.each(["viewer", "member", "admin"] as const)("lets a %s leave and records member.left", async (role) => {
    const { org, addMember } = await createTestOrg();
    const caller = await addMember(role);

    await leaveOrganization(caller);

    expect(await exists(caller.membership.id)).toBe(false);
    expect(await auditActions(org.id)).toHaveLength(2);
    const event = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "member.left" } });
    expect(event).toMatchObject({ actorId: caller.principal.userId, targetType: "user", targetId: caller.principal.userId });
  });

  it("lets an owner leave when another owner remains", async () => {
    const { org, owner, addMember } = await createTestOrg();
    await addMember("owner");
    await leaveOrganization(owner);
    expect(await exists(owner.membership.id)).toBe(false);
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "member.left" } })).toBe(1);
  });

  it("refuses to let the last owner leave with Conflict last_owner", async () => {
    const { org, owner, addMember } = await createTestOrg();
    await addMember("admin");
    const error = await leaveOrganization(owner).catch((e) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect(error).toMatchObject({ code: "last_owner" });
    expect(await exists(owner.membership.id)).toBe(true);
    expect(await auditActions(org.id)).toEqual(["organization.created"]);
  });

  it("answers a second leave with NotFound", async () => {
    const { addMember } = await createTestOrg();
    const member = await addMember("member");
    await leaveOrganization(member);
    const error = await leaveOrganization(member).catch((e) => e);
    expect(error).toBeInstanceOf(NotFound);
    expect(error).toMatchObject({ code: "member_not_found" });
  });
});
